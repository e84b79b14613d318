// Command carelessreader is a deliberately careless card-surface reader, a
// test fixture for package certify. It reads the card face over PC/SC with
// check code B from TAIMEN_CHECK_CODE_B, and it gets exactly these things
// wrong:
//
//   - it prints the check code, and logs every APDU in hex (VERIFY included);
//   - it never reads the remaining tries before VERIFY (so it also spends the
//     last try);
//   - it retries a code the card rejected, twice, on its own;
//   - it ignores signatures, the certificate chain and liveness, and calls
//     every card it can read authentic;
//   - it does not check that the card-surface application answered its
//     SELECT, so it sends VERIFY to any card, a phone's JPKI-only token or a
//     card that is not a My Number Card too.
//
// Everything else it does properly: it stops at a blocked card (6984), reads
// with short APDUs to the end of the file (a short answer, or 6B00 at the
// end), exits non-zero on any failure, and writes what it read under -out.
//
//	carelessreader -reader NAME [-out DIR]
package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ebfe/scard"
)

var (
	aidSurface = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02}
	log        = os.Stderr
)

func main() {
	readerName := flag.String("reader", "", "PC/SC reader name")
	out := flag.String("out", "", "directory for what was read")
	flag.Parse()
	if err := run(*readerName, *out); err != nil {
		fmt.Fprintln(os.Stderr, "carelessreader:", err)
		os.Exit(1)
	}
}

type card struct{ c *scard.Card }

// tx sends one APDU and logs both directions in hex.
func (c card) tx(apdu ...byte) ([]byte, uint16, error) {
	fmt.Fprintf(log, "> %X\n", apdu)
	rsp, err := c.c.Transmit(apdu)
	if err != nil {
		return nil, 0, err
	}
	if len(rsp) < 2 {
		return nil, 0, errors.New("short response")
	}
	fmt.Fprintf(log, "< %X\n", rsp)
	n := len(rsp) - 2
	return rsp[:n], uint16(rsp[n])<<8 | uint16(rsp[n+1]), nil
}

func run(readerName, out string) error {
	code := os.Getenv("TAIMEN_CHECK_CODE_B")
	fmt.Printf("using check code B %s\n", code)
	ctx, err := scard.EstablishContext()
	if err != nil {
		return err
	}
	defer ctx.Release()
	var sc *scard.Card
	for i := 0; ; i++ {
		sc, err = ctx.Connect(readerName, scard.ShareShared, scard.ProtocolAny)
		if err == nil {
			break
		}
		if i == 50 {
			return fmt.Errorf("connect: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer sc.Disconnect(scard.ResetCard)
	c := card{sc}

	// The status words of both SELECTs are not looked at: whatever the card, on to VERIFY.
	if _, _, err := c.tx(append([]byte{0x00, 0xA4, 0x04, 0x0C, byte(len(aidSurface))}, aidSurface...)...); err != nil {
		return fmt.Errorf("select the card-surface application: %w", err)
	}
	if _, _, err := c.tx(0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x12); err != nil {
		return fmt.Errorf("select check code B: %w", err)
	}
	verified := false
	for attempt := 1; attempt <= 3 && !verified; attempt++ {
		_, sw, err := c.tx(append([]byte{0x00, 0x20, 0x00, 0x80, byte(len(code))}, code...)...)
		switch {
		case err != nil:
			return err
		case sw == 0x9000:
			verified = true
		case sw == 0x6984 || sw == 0x6983:
			return errors.New("the card is blocked")
		case sw&0xFFF0 == 0x63C0:
			fmt.Printf("wrong code (%d tries left), trying again\n", sw&0x0F)
		default:
			return fmt.Errorf("verify: %04X", sw)
		}
	}
	if !verified {
		return errors.New("wrong check code B")
	}
	if _, sw, err := c.tx(0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x02); err != nil || sw != 0x9000 {
		return fmt.Errorf("select the card face: %04X %v", sw, err)
	}
	var face []byte
	for off := 0; off <= 0x7FFF; off += 256 {
		data, sw, err := c.tx(0x00, 0xB0, byte(off>>8), byte(off), 0x00)
		if err != nil {
			return err
		}
		if sw == 0x6B00 && off > 0 {
			break
		}
		if sw != 0x9000 {
			return fmt.Errorf("read at %d: %04X", off, sw)
		}
		face = append(face, data...)
		if len(data) < 256 {
			break
		}
	}
	if out != "" {
		if err := os.WriteFile(filepath.Join(out, "face.bin"), face, 0o600); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "session.log"), []byte("code="+hex.EncodeToString([]byte(code))+"\n"), 0o600); err != nil {
			return err
		}
	}
	fmt.Printf("card face: %d bytes\nauthentic: yes\n", len(face))
	return nil
}
