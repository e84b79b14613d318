package reads

import (
	"bytes"
	"context"
	"slices"

	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

// sweep reports whether RD-009 reads the file whole with every Le (32,159
// APDUs on p01): on the in-process emulator only, where that takes a second;
// behind vpcd it would take the whole run's time, on a physical card hours.
func sweep() bool { return Current().Kind == target.Emulator }

// chunkSizes are the Le RD-009 tries: every one from 1 to 256 where it
// sweeps; elsewhere the sizes around the boundaries: 1, 2, the header sizes
// of the file's outer TLV and of its first inner one, 255 and 256.
func chunkSizes(whole []byte) []int {
	if sweep() {
		var all []int
		for n := 1; n <= 256; n++ {
			all = append(all, n)
		}
		return all
	}
	sizes := []int{1, 2, 255, 256}
	if outer, _, err := apdu.ParseTLV(whole); err == nil {
		sizes = append(sizes, outer.HeaderLen())
		if inner, _, err := apdu.ParseTLV(outer.Value); err == nil {
			sizes = append(sizes, inner.HeaderLen())
		}
	}
	slices.Sort(sizes)
	return slices.Compact(sizes)
}

// readWhole reads EF 0002 (selected) from offset 0 in chunks of n until a
// short answer or the end of the file, and checks it gives whole.
func readWhole(ctx context.Context, c *target.Card, whole []byte, n int) {
	var got []byte
	for off := 0; ; off += n {
		r := Send(ctx, c, ReadAt(off, n))
		if IsPastEnd(r.SW) && off > 0 && off == len(got) {
			break
		}
		Expect(r.SW).To(Equal(apdu.SWSuccess), "Le %d at offset %d", n, off)
		got = append(got, r.Data...)
		if len(r.Data) < n {
			break
		}
	}
	Expect(bytes.Equal(got, whole)).To(BeTrue(), "reading with Le=%d gave %d bytes that differ from the extended read (%d)", n, len(got), len(whole))
}

// readSpots reads EF 0002 (selected) with Le n at the start of the file and at
// its last chunk of n bytes (a partial one where n does not divide the size),
// and checks each answer against whole.
func readSpots(ctx context.Context, c *target.Card, whole []byte, n int) {
	for _, off := range slices.Compact([]int{0, (len(whole) - 1) / n * n}) {
		r := Send(ctx, c, ReadAt(off, n))
		Expect(r.SW).To(Equal(apdu.SWSuccess), "Le %d at offset %d", n, off)
		want := whole[off:min(off+n, len(whole))]
		Expect(bytes.Equal(r.Data, want)).To(BeTrue(), "Le %d at offset %d gave %d bytes that differ from the extended read's %d there", n, off, len(r.Data), len(want))
	}
}

// checkChunks is RD-009: the whole of EF 0002 read with every Le of
// chunkSizes gives the bytes of one extended read. Without the sweep, each size reads
// its first and last chunk only (the last one partial where the size does not
// divide the file's), and one extended READ BINARY starts at an odd offset.
func checkChunks(ctx context.Context, c *target.Card, whole []byte) {
	ExpectSW(ctx, c, "select EF 0002", SelectEF(myna.SurfaceFace), apdu.SWSuccess)
	if sweep() {
		for _, n := range chunkSizes(whole) {
			readWhole(ctx, c, whole, n)
		}
		return
	}
	for _, n := range chunkSizes(whole) {
		readSpots(ctx, c, whole, n)
	}
	if ExtendedLength() && len(whole) > 1 {
		r := Send(ctx, c, ReadAt(1, apdu.MaxExtendedNe))
		if r.SW == apdu.SWWrongLength && Current().Physical() {
			return // a physical card that refuses extended length: RD-021 says so, as ReadEF does
		}
		Expect(r.SW).To(Equal(apdu.SWSuccess), "extended READ BINARY at offset 1")
		Expect(bytes.Equal(r.Data, whole[1:])).To(BeTrue(), "extended READ BINARY at offset 1 gave %d bytes that differ from the rest of the file (%d)", len(r.Data), len(whole)-1)
	}
}
