package reader

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// HistoryEntry is one line of the read history, as the face-to-face app keeps
// one: when, where, which application, the outcome and the tries left — never
// a name, number, birth date, image or code.
type HistoryEntry struct {
	Time      time.Time `json:"time"`
	Target    Kind      `json:"target"`
	Reader    string    `json:"reader,omitempty"`
	App       string    `json:"app"`
	Flow      string    `json:"flow"`
	Outcome   string    `json:"outcome"` // ok, wrong-code, blocked, refused, not-authentic, card-removed, jpki-only-token, not-my-number-card, error
	TriesLeft *int      `json:"tries_left,omitempty"`
}

// AppendHistory appends one entry as a JSON line to path (created 0600), synced to disk.
func AppendHistory(path string, e HistoryEntry) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	b, err := json.Marshal(e)
	if err == nil {
		_, err = f.Write(append(b, '\n'))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("history %s: %w", path, err)
	}
	return nil
}

// DefaultHistoryPath is $TAIMEN_HISTORY, else $XDG_STATE_HOME/taimen/history.jsonl,
// else ~/.local/state/taimen/history.jsonl.
func DefaultHistoryPath(getenv func(string) string) string {
	if p := getenv("TAIMEN_HISTORY"); p != "" {
		return p
	}
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "taimen", "history.jsonl")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".local", "state", "taimen", "history.jsonl")
}
