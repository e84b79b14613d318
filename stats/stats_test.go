package stats

import (
	"errors"
	"math"
	"testing"
)

// close reports whether got is within rel (relative) of want, or within abs absolutely for tiny values.
func near(got, want, rel float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	if want == 0 {
		return math.Abs(got) < 1e-300
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// Reference values of I_x(a,b) from mpmath 1.3.0 (mp.dps = 30):
// betainc(a, b, 0, x, regularized=True), x given as the float64 below.
func TestRegIncBeta(t *testing.T) {
	for _, c := range []struct {
		a, b, x, want float64
	}{
		{0.5, 0.5, 0.3, 0.36901011956554537504}, // = (2/π)·asin(√0.3)
		{1, 1, 0.42, 0.42},                      // uniform distribution
		{2, 3, 0.4, 0.5248},                     // polynomial: 0.5248 exactly
		{5, 2.5, 0.9, 0.94466618139149019472},
		{10, 10, 0.5, 0.5}, // symmetry
		{0.1, 10, 0.01, 0.82448967090669876411},
		{100, 0.5, 0.99, 0.15677586542444078337},
		{300, 0.5, 0.995, 0.083006905867670950012},
		{30, 40, 0.3, 0.012126160623329712126},
		{1e-3, 1e-3, 0.5, 0.5},
		{2.5, 150, 0.02, 0.70253594589179420521},
		{50, 50, 0.001, 4.8078477162853620224e-122}, // deep lower tail
		{250, 250, 0.45, 0.012527003030155577195},
		{1000, 0.5, 0.998, 0.045419228506963409153},
		{3, 4, 0, 0},
		{3, 4, 1, 1},
	} {
		if got := RegIncBeta(c.a, c.b, c.x); !near(got, c.want, 1e-13) {
			t.Errorf("RegIncBeta(%g, %g, %g) = %.17g, want %.17g", c.a, c.b, c.x, got, c.want)
		}
	}
}

// log B(a,b) from mpmath (log(beta(a, b)), 30 digits), across the three branches of logBeta.
func TestLogBeta(t *testing.T) {
	for _, c := range [][3]float64{
		{3, 4, -4.0943445622221006848},
		{7, 20, -15.342566361792406953},
		{1e-3, 1e-3, 7.6009008170083473785},
		{12.5, 0.5, -0.68050204080074036081},
		{0.5, 5e7, -8.2914018362715099943},
		{10, 1e6, -125.3533230994187721},
		{300, 300, -417.47427078333687471},
	} {
		if got := logBeta(c[0], c[1]); !near(got, c[2], 1e-15) {
			t.Errorf("logBeta(%g, %g) = %.17g, want %.17g", c[0], c[1], got, c[2])
		}
	}
}

func TestRegIncBetaClosedForms(t *testing.T) {
	// I_x(a,1) = xᵃ, I_x(1,b) = 1−(1−x)ᵇ, and I_x(a,b) + I_{1−x}(b,a) = 1.
	for _, a := range []float64{0.25, 1, 3.5, 40} {
		for _, x := range []float64{0.001, 0.2, 0.5, 0.77, 0.999} {
			if got, want := RegIncBeta(a, 1, x), math.Pow(x, a); !near(got, want, 1e-12) {
				t.Errorf("I_%g(%g,1) = %.17g, want x^a = %.17g", x, a, got, want)
			}
			if got, want := RegIncBeta(1, a, x), -math.Expm1(a*math.Log1p(-x)); !near(got, want, 1e-12) {
				t.Errorf("I_%g(1,%g) = %.17g, want 1-(1-x)^b = %.17g", x, a, got, want)
			}
			for _, b := range []float64{0.5, 2, 17} {
				if s := RegIncBeta(a, b, x) + RegIncBeta(b, a, 1-x); math.Abs(s-1) > 1e-12 {
					t.Errorf("I_%g(%g,%g) + I_%g(%g,%g) = %.17g, want 1", x, a, b, 1-x, b, a, s)
				}
			}
		}
	}
}

func TestRegIncBetaInvalid(t *testing.T) {
	for _, c := range [][3]float64{{0, 1, 0.5}, {1, -1, 0.5}, {1, 1, -0.1}, {1, 1, 1.1}, {math.NaN(), 1, 0.5}, {1, 1, math.NaN()}, {math.Inf(1), 1, 0.5}} {
		if got := RegIncBeta(c[0], c[1], c[2]); !math.IsNaN(got) {
			t.Errorf("RegIncBeta(%g, %g, %g) = %g, want NaN", c[0], c[1], c[2], got)
		}
	}
}

// Two-sided p-values: the first five are published critical values of Student's t
// (two-sided α = 0.05, 0.05, 0.05, 0.01, 0.001); all reference p from mpmath as above.
func TestStudentTTwoSided(t *testing.T) {
	for _, c := range []struct {
		t, df, want float64
		tol         float64 // relative; 0 means 1e-13
	}{
		{t: 2.228138852, df: 10, want: 0.049999999998836524698},
		{t: 12.7062047, df: 1, want: 0.050000000141765876297},
		{t: 2.042272456, df: 30, want: 0.050000000031691388178},
		{t: 4.032142984, df: 5, want: 0.0099999999956062715743},
		{t: 3.390491, df: 100, want: 0.0010000010170963199757},
		{t: 0, df: 7, want: 1},
		{t: 1, df: 1, want: 0.5}, // Cauchy: P(|T| ≥ 1) = 1/2
		{t: -2.5, df: 3.7, want: 0.071822022911826772783},
		{t: 10, df: 200, want: 2.3774831444207591334e-19},
		{t: 30, df: 598, want: 2.3943341248701795842e-121},
		{t: 2, df: 1000, want: 0.045770346493251640049},
		{t: 4, df: 1000, want: 0.000068009919208781577599},
		{t: 1e-5, df: 1e6, want: 0.99999202115638681548},
		{t: 0.5, df: 1e6, want: 0.61707518747237138777}, // the normal's is 0.6170750774519738
		{t: 3.5, df: 2.5e4, want: 0.0004660680193146686901},
		// Near the switch between the two continued fractions, with df/2 huge, the
		// fraction converges slowly and rounding accumulates (see RegIncBeta).
		{t: 2, df: 1e4, want: 0.045527260661435442738, tol: 1e-11},
		{t: 2, df: 1e5, want: 0.045502963457506463249, tol: 1e-11},
		{t: 2, df: 1e8, want: 0.045500266595906752883, tol: 1e-8},
	} {
		tol := c.tol
		if tol == 0 {
			tol = 1e-13
		}
		if got := StudentTTwoSided(c.t, c.df); !near(got, c.want, tol) {
			t.Errorf("StudentTTwoSided(%g, %g) = %.17g, want %.17g (±%g relative)", c.t, c.df, got, c.want, tol)
		}
	}
	if p := StudentTTwoSided(math.Inf(-1), 5); p != 0 {
		t.Errorf("p(−Inf) = %g, want 0", p)
	}
	if p := StudentTTwoSided(1, 0); !math.IsNaN(p) {
		t.Errorf("p with df=0 = %g, want NaN", p)
	}
}

func TestStudentTCDF(t *testing.T) {
	for _, c := range []struct{ t, df, want float64 }{
		{0, 3, 0.5},
		{1, 1, 0.75},                           // Cauchy: 1/2 + atan(1)/π
		{-1, 1, 0.25},                          //
		{2, 2, 0.5 + 1/(math.Sqrt(6)*1)},       // df=2: 1/2 + t/(2√(2+t²)) = 1/2 + 2/(2√6)
		{-3, 2, 0.5 - 3/(2*math.Sqrt(11))},     //
		{2.228138852, 10, 1 - 0.0249999999994}, // one-sided 0.025 critical value
	} {
		if got := StudentTCDF(c.t, c.df); !near(got, c.want, 1e-10) {
			t.Errorf("StudentTCDF(%g, %g) = %.17g, want %.17g", c.t, c.df, got, c.want)
		}
	}
}

// The three examples of the Wikipedia article "Welch's t-test" (published there as
// t = −2.46, df = 25.0, p = 0.021; −1.57, 9.9, 0.149; −2.22, 24.5, 0.036); the full-precision
// figures are from an independent mpmath computation at 30 digits.
func TestWelch(t *testing.T) {
	for i, c := range []struct {
		a, b     []float64
		t, df, p float64
	}{
		{
			a: []float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4},
			b: []float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4},
			t: -2.4553563982860045, df: 24.988529290231414, p: 0.02137800146286706,
		},
		{
			a: []float64{17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8},
			b: []float64{21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8},
			t: -1.5654335235985055, df: 9.9047412486508292, p: 0.14884169660532791,
		},
		{
			a: []float64{19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0},
			b: []float64{28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 24.0, 13.2},
			t: -2.2192409158236251, df: 24.496223124201238, p: 0.035972271029796703,
		},
	} {
		r, err := Welch(c.a, c.b)
		if err != nil {
			t.Fatal(err)
		}
		if !near(r.T, c.t, 1e-12) || !near(r.DF, c.df, 1e-12) || !near(r.P, c.p, 1e-10) {
			t.Errorf("example %d: %v, want t=%.17g df=%.17g p=%.17g", i+1, r, c.t, c.df, c.p)
		}
		// Swapping the samples flips t and keeps df and p.
		s, _ := Welch(c.b, c.a)
		if !near(s.T, -r.T, 1e-15) || s.DF != r.DF || !near(s.P, r.P, 1e-15) {
			t.Errorf("example %d swapped: %v, want t=%g df=%g p=%g", i+1, s, -r.T, r.DF, r.P)
		}
	}
}

func TestWelchDegenerate(t *testing.T) {
	if _, err := Welch([]float64{1}, []float64{1, 2}); !errors.Is(err, ErrTooFew) {
		t.Errorf("one value: err %v, want ErrTooFew", err)
	}
	r, err := Welch([]float64{3, 3, 3}, []float64{3, 3})
	if err != nil || r.T != 0 || r.P != 1 || r.DF != 3 {
		t.Errorf("equal constants: %v, %v; want t=0 p=1 df=3", r, err)
	}
	r, err = Welch([]float64{3, 3, 3}, []float64{4, 4})
	if err != nil || !math.IsInf(r.T, -1) || r.P != 0 {
		t.Errorf("different constants: %v, %v; want t=-Inf p=0", r, err)
	}
	// One constant sample: df is the other's n−1 and the test still works.
	r, err = Welch([]float64{5, 5, 5, 5}, []float64{1, 2, 3})
	if err != nil || !near(r.DF, 2, 1e-12) || !near(r.T, 3/math.Sqrt(1.0/3), 1e-12) {
		t.Errorf("one constant sample: %v, %v; want df=2 t=%g", r, err, 3/math.Sqrt(1.0/3))
	}
}

func TestMeanVarianceQuantile(t *testing.T) {
	// Large offset: a naive one-pass variance loses every digit here.
	x := []float64{1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16}
	if m := Mean(x); m != 1e9+10 {
		t.Errorf("Mean = %.17g, want 1000000010", m)
	}
	if v := Variance(x); v != 30 {
		t.Errorf("Variance = %.17g, want 30", v)
	}
	if !math.IsNaN(Mean(nil)) || !math.IsNaN(Variance([]float64{1})) {
		t.Error("Mean(nil) and Variance of one value must be NaN")
	}
	y := []float64{10, 1, 4, 3, 2} // sorted: 1 2 3 4 10
	for _, c := range []struct{ q, want float64 }{{0, 1}, {0.5, 3}, {0.25, 2}, {0.9, 7.6}, {1, 10}} {
		if got := Quantile(y, c.q); !near(got, c.want, 1e-15) {
			t.Errorf("Quantile(%g) = %g, want %g", c.q, got, c.want)
		}
	}
	if y[0] != 10 {
		t.Error("Quantile modified its input")
	}
	if !math.IsNaN(Quantile(y, 1.5)) || !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("Quantile outside [0,1] or of nothing must be NaN")
	}
}
