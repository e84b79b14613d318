package reader

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recording wraps a transport and keeps the CLA INS P1 P2 of every command.
type recording struct {
	Transport
	headers []string
}

func (r *recording) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	r.headers = append(r.headers, fmt.Sprintf("%X", cmd[:min(4, len(cmd))]))
	return r.Transport.Transmit(ctx, cmd)
}

// TestReadFaceSixAPDUs pins the face-to-face sequence with extended length:
// SELECT, tries, VERIFY, READ 0002, READ 0004 and the signature over the
// reader's own nonce; no EF 0003, no GET CHALLENGE.
func TestReadFaceSixAPDUs(t *testing.T) {
	for _, id := range profileIDs {
		t.Run(id, func(t *testing.T) {
			f := newEmu(t, id)
			if !f.p.Behaviour.ExtendedLength {
				t.Skip("the card refuses extended length")
			}
			rec := &recording{Transport: f.t}
			face, err := ReadFace(context.Background(), NewSession(rec, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
			if err != nil {
				t.Fatal(err)
			}
			if err := face.Authenticity.Err(); err != nil {
				t.Fatal(err)
			}
			want := []string{"00A4040C", "00200092", "00200092", "00B08200", "00B08400", "802A0000"}
			if diff := cmp.Diff(want, rec.headers); diff != "" {
				t.Errorf("face read (-want +got):\n%s", diff)
			}
			if face.APDUs != len(rec.headers) {
				t.Errorf("Face.APDUs = %d, sent %d", face.APDUs, len(rec.headers))
			}
		})
	}
}

// TestLivenessNonceFresh checks that each read has the card sign a different
// nonce, and that a reader-chosen nonce is what the card signs.
func TestLivenessNonceFresh(t *testing.T) {
	if a, b := (ReadOptions{}).nonce(), (ReadOptions{}).nonce(); len(a) != NonceLen || string(a) == string(b) {
		t.Fatalf("two nonces: %d bytes, equal %v", len(a), string(a) == string(b))
	}
	f := newEmu(t, "p01-showa")
	fixed := func() []byte { return make([]byte, NonceLen) }
	face, err := ReadFace(context.Background(), NewSession(f.t, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors, Nonce: fixed})
	if err != nil || !face.Authenticity.Liveness.OK {
		t.Fatalf("fixed nonce: err %v, liveness %+v", err, face.Authenticity.Liveness)
	}
	short := func() []byte { return make([]byte, 8) }
	face, err = ReadFace(context.Background(), NewSession(f.t, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors, Nonce: short})
	if err != nil || face.Authenticity.Liveness.OK {
		t.Fatalf("8-byte nonce: err %v, liveness %+v (want failed)", err, face.Authenticity.Liveness)
	}
}
