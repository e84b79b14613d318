// Command datelogreader is a bad-reader fixture for package certify: it
// reads the card face as taimen's reader does (see facereader) and logs the
// birth date to $TMPDIR/datelogreader.log (/tmp when TMPDIR is unset). It
// breaks RR-014 only.
//
//	datelogreader -reader NAME -test-ca PROFILE
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/taimen-dev/taimen/certify/testdata/facereader"
	"github.com/taimen-dev/taimen/reader"
)

func main() {
	facereader.Main("datelogreader", func(f *reader.Face) error {
		log, err := os.OpenFile(filepath.Join(os.TempDir(), "datelogreader.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer log.Close()
		d, err := time.Parse("20060102", f.Signed.BirthDate)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(log, "%s read a card: born %s\n", time.Now().UTC().Format(time.RFC3339), d.Format("2006-01-02"))
		return err
	})
}
