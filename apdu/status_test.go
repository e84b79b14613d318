package apdu

import "testing"

func TestStatusWord(t *testing.T) {
	tests := []struct {
		sw      StatusWord
		str     string
		retries int
		retryOK bool
		more    int
		le      int
	}{
		{0x9000, "9000 (success)", 0, false, 0, 0},
		{0x63C3, "63C3 (verification failed, 3 tries left)", 3, true, 0, 0},
		{0x63C0, "63C0 (verification failed, 0 tries left)", 0, true, 0, 0},
		{0x6984, "6984 (reference data not usable (blocked))", 0, false, 0, 0},
		{0x6110, "6110 (more data available)", 0, false, 16, 0},
		{0x6100, "6100 (more data available)", 0, false, 256, 0},
		{0x6C20, "6C20 (wrong Le, exact length 32)", 0, false, 0, 32},
		{0x6C00, "6C00 (wrong Le, exact length 0)", 0, false, 0, 256},
		{0x1234, "1234", 0, false, 0, 0},
	}
	for _, tc := range tests {
		if got := tc.sw.String(); got != tc.str {
			t.Errorf("%04X.String() = %q, want %q", uint16(tc.sw), got, tc.str)
		}
		n, ok := tc.sw.Retries()
		if n != tc.retries || ok != tc.retryOK {
			t.Errorf("%04X.Retries() = %d,%v", uint16(tc.sw), n, ok)
		}
		if n, _ := tc.sw.MoreData(); n != tc.more {
			t.Errorf("%04X.MoreData() = %d, want %d", uint16(tc.sw), n, tc.more)
		}
		if n, _ := tc.sw.CorrectLe(); n != tc.le {
			t.Errorf("%04X.CorrectLe() = %d, want %d", uint16(tc.sw), n, tc.le)
		}
	}
	if RetriesLeft(9) != 0x63C9 || RetriesLeft(20) != 0x63CF || RetriesLeft(-1) != 0x63C0 {
		t.Error("RetriesLeft clamps wrongly")
	}
	for sw := range swNames {
		if sw.Name() == "" {
			t.Errorf("%04X has no name", uint16(sw))
		}
	}
}
