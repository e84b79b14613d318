package main

import (
	"strconv"
	"strings"
	"time"
)

func fmtRate(v float64) string {
	switch {
	case v >= 100:
		return group(int64(v + 0.5))
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// group writes n with thousands separators (1,234,567).
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func fmtNs(ns float64) string {
	d := time.Duration(ns)
	switch {
	case ns < 1000:
		return strconv.FormatFloat(ns, 'f', 1, 64) + " ns"
	case ns < 1e6:
		return strconv.FormatFloat(ns/1e3, 'f', 1, 64) + " µs"
	case ns < 1e9:
		return strconv.FormatFloat(ns/1e6, 'f', 2, 64) + " ms"
	}
	return d.Round(time.Millisecond).String()
}

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**not met**"
}
