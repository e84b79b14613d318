package myna

import (
	"fmt"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
)

func TestVerifyBuilders(t *testing.T) {
	tests := []struct {
		name string
		cmd  apdu.Command
		want string
	}{
		{"check code B by SFI", Verify(SurfaceCheckCodeBRef, []byte("55021720352285")), "002000920E3535303231373230333532323835"},
		{"PIN by SFI", Verify(TextPINRef, []byte("1234")), "002000910431323334"},
		{"tries query by SFI", TriesQuery(SurfaceCheckCodeBRef), "00200092"},
		{"selected EF", VerifySelected([]byte("1234")), "002000800431323334"},
		{"tries query of the selected EF", VerifySelected(nil), "00200080"},
		{"P2 as given", VerifyP2(0x12, nil), "00200012"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf("%X", tt.cmd.MustBytes()); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
