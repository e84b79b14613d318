package emulator

import (
	"crypto/rsa"

	"github.com/taimen-dev/taimen/myna"
)

// efKind is the structure of an elementary file.
type efKind uint8

const (
	efBinary  efKind = iota + 1 // transparent data, READ BINARY
	efRecord                    // linear records, READ RECORD
	efKeyRef                    // a PIN or check code (key reference), VERIFY
	efPrivKey                   // a private key, 80 2A / INTERNAL AUTHENTICATE
	efOpaque                    // listed but neither readable nor usable
)

// access is a condition on the security state: free, never, or any one of a set
// of verified key references (a bitmask indexed by the key's file ID 01..1E).
type access struct {
	free  bool
	anyOf uint32
}

func (a access) opens(verified uint32) bool { return a.free || a.anyOf&verified != 0 }

// changeMode says which command may change a key reference's value.
type changeMode uint8

const (
	changeNone    changeMode = iota
	changeRefData            // CHANGE REFERENCE DATA 00 24 01 80 (JPKI, text AP)
	changeKey                // CHANGE KEY 80 32 00 80 (共通, 住基)
)

// keyRef is a PIN or check code with its retry counter.
type keyRef struct {
	state    string          // key in the durable store, e.g. "surface/0012"
	label    string          // what it is, for errors and status ("check code B")
	kind     myna.SecretKind // the code it holds (0 for a key that arrives blocked)
	ref      []byte          // personalized reference value (ASCII)
	limit    int
	change   changeMode
	validate func([]byte) error // form rule for a new value
}

// ef is one elementary file of an application.
type ef struct {
	fid     uint16
	kind    efKind
	data    []byte   // efBinary: physical bytes, filler included
	records [][]byte // efRecord
	read    access   // efBinary, efRecord
	key     *keyRef  // efKeyRef
	priv    *rsa.PrivateKey
	alt     *altKey // efPrivKey of a non-RSA generation: signs instead of priv (nextgen.go)
	use     access  // efPrivKey: who may sign
	ia      bool    // efPrivKey: answers INTERNAL AUTHENTICATE
}

// sessionKeyPolicy is how an application answers SET SESSION KEY.
type sessionKeyPolicy uint8

const (
	sskRefused       sessionKeyPolicy = iota // 6982
	sskNotConfigured                         // 66F1
	sskText                                  // the text application's scheme
)

// application is a DF selected by AID.
type application struct {
	id         string // short name used in state keys: "jpki", "text", "surface", "juki", "common"
	aid        []byte
	efs        [32]*ef // indexed by file ID 0001..001E (= short EF identifier)
	defaultKey *ef     // 80 2A with P2 = 00
	ssk        sessionKeyPolicy
	sessionKey *rsa.PrivateKey // sskText: EF 0006's private half
	pinFID     uint16          // sskText: the PIN that must be verified first
}

func (a *application) lookup(fid uint16) *ef {
	if fid == 0 || fid >= uint16(len(a.efs)) {
		return nil
	}
	return a.efs[fid]
}

func bit(fid uint16) uint32 { return 1 << (fid & 31) }
