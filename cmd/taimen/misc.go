package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
)

func derOf(c *x509.Certificate) []byte {
	if c == nil {
		return nil
	}
	return c.Raw
}

func parseYMD(s string) (time.Time, error) { return time.Parse("20060102", s) }

func cmdStatus(ctx context.Context, args []string, e env) int {
	fs := newFlagSet("status", e)
	var tf targetFlags
	tf.registerCard(fs)
	asJSON := fs.Bool("json", false, "print stable JSON instead of a table")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	t, _, err := tf.open(ctx)
	if err != nil {
		return exitCode(e, err)
	}
	defer t.Close()
	tr := reader.NewTrace(t, reader.TraceOptions{})
	st, err := reader.Status(ctx, reader.NewSession(tr, tf.guard()))
	if werr := writeTrace(tf.trace, tr); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return exitCode(e, err)
	}
	if *asJSON {
		return exitCode(e, writeJSON(e.stdout, struct {
			Schema     string             `json:"schema"`
			Target     reader.Target      `json:"target"`
			Generation string             `json:"generation,omitempty"` // nextgen.go
			Keys       []reader.KeyStatus `json:"keys"`
		}{"taimen.status/v1", t.Info(), generationNote(tf.profile), st}))
	}
	fmt.Fprintf(e.stdout, "taimen status — %s %s (no try spent)\n", t.Info().Kind, t.Info().Reader)
	if g := generationNote(tf.profile); g != "" {
		fmt.Fprintf(e.stdout, "card generation: %s\n", g)
	}
	fmt.Fprintln(e.stdout)
	rows := [][]string{{"APP", "KEY", "SECRET", "", "TRIES"}}
	for _, k := range st {
		tries := fmt.Sprint(k.Tries)
		if k.Blocked {
			tries = "0 (blocked)"
		}
		rows = append(rows, []string{fmt.Sprint(k.App), fmt.Sprint(k.Key), fmt.Sprint(k.Secret), k.NameJA, tries})
	}
	return exitCode(e, writeTable(e.stdout, "  ", rows))
}

func cmdReaders(ctx context.Context, args []string, e env) int {
	fs := newFlagSet("readers", e)
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	rs, err := pcsc.Readers(ctx)
	if err != nil {
		return exitCode(e, err)
	}
	if *asJSON {
		return exitCode(e, writeJSON(e.stdout, rs))
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tREADER\tCARD\tATR")
	for i, r := range rs {
		card := "no"
		if r.CardPresent {
			card = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", i, r.Name, card, r.ATR)
	}
	tw.Flush()
	return exitOK
}
