package main

import (
	"bytes"

	"github.com/taimen-dev/taimen/internal/safedir"
	"github.com/taimen-dev/taimen/reader"
)

// resultFile is the name of the result `read --out DIR` writes: DIR/result.json. Reader
// certification judges a reader's verdict from this file when it is there (certify/doc.go).
const resultFile = "result.json"

// resultJSON is readJSON with the outcome of the read: err is the read's failure (the result is
// then empty and not authentic), authErr its failed authenticity.
func resultJSON(flow string, target reader.Target, res any, reveal bool, err, authErr error) readOutput {
	if err != nil {
		res = nil
	}
	out := readJSON(flow, target, res, reveal)
	if out.Fields == nil {
		out.Fields = []field{}
	}
	out.Outcome = outcome(err, authErr)
	if err != nil {
		out.Authentic, out.Error = false, err.Error()
	} else if authErr != nil {
		out.Error = authErr.Error()
	}
	return out
}

// writeResult saves the result owner-only as dir/result.json: a file at rest, so it holds what
// the masked output shows (personal data only with --reveal).
func writeResult(dir string, o readOutput) error {
	var b bytes.Buffer
	if err := writeJSON(&b, o); err != nil {
		return err
	}
	if err := safedir.WriteFile(dir, resultFile, b.Bytes()); err != nil {
		return setupError{err}
	}
	return nil
}
