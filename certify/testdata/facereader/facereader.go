// Package facereader is the card-reading half of the bad-reader fixtures of
// package certify (photoreader, datelogreader): it reads the card face the
// way taimen's own reader does — reader.ReadFace over PC/SC with check code B
// from TAIMEN_CHECK_CODE_B, the test CA of a profile as the anchor, the
// default guard — so that the fixtures break only the rule they are made to.
package facereader

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
)

// Nonce, when set before Main, is the liveness nonce the reader has the card
// sign (reader.ReadOptions.Nonce); nil keeps the fresh random one.
var Nonce func() []byte

// Main parses -reader NAME and -test-ca PROFILE, reads the card face, calls
// keep with what was read (only when the card is authentic), prints a
// value-free summary and exits: 0 for an authentic card, 1 otherwise.
func Main(name string, keep func(*reader.Face) error) {
	readerName := flag.String("reader", "", "PC/SC reader name")
	testCA := flag.String("test-ca", "", "profile file whose test CA is trusted")
	flag.Parse()
	if err := run(*readerName, *testCA, keep); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	fmt.Println("card read: authentic")
}

func run(readerName, testCA string, keep func(*reader.Face) error) error {
	p, err := myna.LoadProfile(testCA)
	if err != nil {
		return err
	}
	anchors, err := emulator.TestAnchors(p)
	if err != nil {
		return err
	}
	code, ok, err := reader.SecretFromEnv(os.Getenv, myna.SecretCheckCodeB, false)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("no check code B in TAIMEN_CHECK_CODE_B")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	t, err := pcsc.Open(ctx, pcsc.Options{Reader: pcsc.ByName(readerName), CommandTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer t.Close()
	f, err := reader.ReadFace(ctx, reader.NewSession(t, reader.DefaultGuard), code, reader.ReadOptions{Anchors: anchors, Nonce: Nonce})
	if err != nil {
		return err
	}
	if err := f.Authenticity.Err(); err != nil {
		return err
	}
	return keep(f)
}
