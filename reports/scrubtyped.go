package reports

import (
	"reflect"
	"strings"
)

// jsonClean reports whether the JSON text b certainly holds no known value: a scan of the text
// finds none, and no value has a character JSON would escape (which the scan would miss). A
// value found where it is no secret (a number equal to a PIN) makes it report false, not true.
func (s *Scrubber) jsonClean(b []byte) bool {
	if s.Empty() {
		return true
	}
	for _, v := range append(s.exact[:len(s.exact):len(s.exact)], s.tokens...) {
		if strings.ContainsFunc(v, jsonEscaped) {
			return false
		}
	}
	_, n := s.String(string(b))
	return n == 0
}

// jsonEscaped reports whether encoding/json may write r other than as itself.
func jsonEscaped(r rune) bool {
	return r < 0x20 || r == '"' || r == '\\' || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029' || r == '\uFFFD'
}

// Scrub removes every known value from the strings of v, a pointer to a struct of exported
// fields (a *Summary), in place: no JSON round trip. It returns how many values it removed.
// Equal strings (a trace repeats its commands) are scanned once.
func (s *Scrubber) Scrub(v any) int {
	if s.Empty() {
		return 0
	}
	w := typedWalk{s: s, seen: map[string]string{}}
	w.walk(reflect.ValueOf(v))
	return w.n
}

type typedWalk struct {
	s    *Scrubber
	n    int
	seen map[string]string // a string already scanned → its scrubbed form
}

func (w *typedWalk) str(in string) string {
	if out, ok := w.seen[in]; ok {
		if out != in {
			_, c := w.s.String(in)
			w.n += c
		}
		return out
	}
	out, c := w.s.String(in)
	w.n += c
	w.seen[in] = out
	return out
}

func (w *typedWalk) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			w.walk(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				w.walk(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.String || v.Type().Elem().Kind() >= reflect.Array {
			for i := range v.Len() {
				w.walk(v.Index(i))
			}
		}
	case reflect.Map:
		if v.Type().Elem().Kind() != reflect.String {
			for _, k := range v.MapKeys() {
				w.walk(v.MapIndex(k)) // reaches what pointers and slices share; a struct value in a map is not settable
			}
			return
		}
		for _, k := range v.MapKeys() {
			if out := w.str(v.MapIndex(k).String()); out != v.MapIndex(k).String() {
				v.SetMapIndex(k, reflect.ValueOf(out).Convert(v.Type().Elem()))
			}
		}
	case reflect.String:
		if v.CanSet() {
			if out := w.str(v.String()); out != v.String() {
				v.SetString(out)
			}
		}
	}
}
