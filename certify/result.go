package certify

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// ResultFile is the file in {out} where a reader under test may state its
// result, in the ResultSchema schema (the JSON `taimen read --json` prints).
// The engine judges "rejects" and RR-017's "says why" from it first, and
// from phrases in the output when it is absent or not in that schema.
const ResultFile = "result.json"

// ResultSchema is the schema a result file must name to be read.
const ResultSchema = "taimen.read/v1"

// maxResultSize bounds the result file the engine reads.
const maxResultSize = 1 << 20

// readResult is what the engine reads of a result file: the verdict, never
// the fields (which may hold personal data).
type readResult struct {
	Schema string `json:"schema"`
	// Authentic is the reader's verdict on the card; required.
	Authentic *bool `json:"authentic"`
	// Outcome is "ok" for a read that succeeded, or why it did not (taimen's
	// outcomes: "not-authentic", "wrong-code", "blocked", "refused",
	// "card-removed", "jpki-only-token", "not-my-number-card", "error").
	Outcome string `json:"outcome"`
	// Error says why the read failed, in words.
	Error string `json:"error"`
}

// loadResult reads dir/result.json, refusing anything but a regular file
// (no symbolic link, no FIFO) of at most maxResultSize bytes; nil when the
// file is absent, unreadable, malformed, not ResultSchema, or has no
// "authentic".
func loadResult(dir string) *readResult {
	f, err := os.OpenFile(filepath.Join(dir, ResultFile), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(f, maxResultSize+1))
	if err != nil || len(b) > maxResultSize {
		return nil
	}
	return parseResult(b)
}

// parseResult decodes a result file; nil when it is not a ResultSchema
// object with a boolean "authentic".
func parseResult(b []byte) *readResult {
	var r readResult
	if err := json.Unmarshal(b, &r); err != nil || r.Schema != ResultSchema || r.Authentic == nil {
		return nil
	}
	return &r
}

// rejects reports whether the result turns the card down: not authentic, an
// outcome other than "ok", or an error.
func (r *readResult) rejects() bool {
	return !*r.Authentic || (r.Outcome != "" && r.Outcome != "ok") || r.Error != ""
}

// notCardFaceOutcomes are the outcomes that name why a card that is not a
// My Number Card's face was refused.
var notCardFaceOutcomes = map[string]bool{"jpki-only-token": true, "not-my-number-card": true}

// saysNotCardFace reports whether the result names the reason a card that is
// not a My Number Card's face was refused: such an outcome, or an error that
// says so (notCardFaceText).
func (r *readResult) saysNotCardFace() bool {
	return notCardFaceOutcomes[r.Outcome] || notCardFaceText.MatchString(r.Error)
}
