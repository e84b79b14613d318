package certify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/taimen-dev/taimen/reports"
)

// atRest gathers RR-014's evidence from the sources: the personal data d
// holds, and the check codes and PINs RR-011 found (leaks), in the files the
// command wrote, split into those under the record store (kept) and the rest.
func atRest(d *personalData, leaks []Leak, srcs []source, records string) (found, kept []PersonalFinding) {
	all := d.find(srcs)
	for _, l := range leaks {
		if where, ok := strings.CutPrefix(l.Where, "file "); ok {
			all = append(all, PersonalFinding{Where: where, Datum: l.Secret, Encoding: l.Form})
		}
	}
	return splitRecords(all, records)
}

// scrubPaths removes personal data and secrets from the file names a report
// shows: a reader may name a file after the holder or the code.
func scrubPaths(s *reports.Scrubber, res *ScenarioResult, ev *evidence) {
	str := func(v string) string { out, _ := s.String(v); return out }
	for i := range res.Files {
		res.Files[i].Path = str(res.Files[i].Path)
	}
	for i := range ev.leaks {
		ev.leaks[i].Where = str(ev.leaks[i].Where)
	}
	for _, fs := range [][]PersonalFinding{ev.personal, ev.kept} {
		for i := range fs {
			fs[i].Where = str(fs[i].Where)
		}
	}
}

// maxFilesNamed bounds the files an RR-014 message names.
const maxFilesNamed = 8

// checkAtRest is RR-014: no personal data, check code or PIN in any file the
// command wrote, except under the declared record store.
func checkAtRest(ev *evidence) (bool, string) {
	if len(ev.personal) == 0 {
		if len(ev.kept) > 0 {
			return true, fmt.Sprintf("kept personal data only in the declared record store (%d finding(s), listed in the report for review)", len(ev.kept))
		}
		return true, "no personal data, check code or PIN in any file written"
	}
	return false, "kept personal data at rest: " + describeFindings(ev.personal)
}

// describeFindings says what was found where, by file: "face photo (raw,
// base64) in ~/.cache/x.jp2; …". It names no value.
func describeFindings(fs []PersonalFinding) string {
	var files []string
	byFile := map[string][]string{} // file → "datum (enc, enc)"
	encs := map[[2]string][]string{}
	for _, f := range fs {
		if _, ok := byFile[f.Where]; !ok {
			files = append(files, f.Where)
			byFile[f.Where] = nil
		}
		k := [2]string{f.Where, f.Datum}
		if _, ok := encs[k]; !ok {
			byFile[f.Where] = append(byFile[f.Where], f.Datum)
		}
		if !slices.Contains(encs[k], f.Encoding) {
			encs[k] = append(encs[k], f.Encoding)
		}
	}
	var parts []string
	for i, file := range files {
		if i == maxFilesNamed {
			parts = append(parts, fmt.Sprintf("and %d more file(s)", len(files)-i))
			break
		}
		var data []string
		for _, datum := range byFile[file] {
			data = append(data, fmt.Sprintf("%s (%s)", datum, strings.Join(encs[[2]string{file, datum}], ", ")))
		}
		parts = append(parts, strings.Join(data, ", ")+" in "+file)
	}
	return strings.Join(parts, "; ")
}
