package myna

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Access is the condition that opens an EF: free, never, or a set of key references (FIDs in
// the same application) any one of which, once verified, opens it. The zero value is Never.
type Access struct {
	mode accessMode
	keys []FileID
}

type accessMode uint8

const (
	accessNever accessMode = iota
	accessFree
	accessAnyOf
)

// AccessFree returns the condition of an EF anyone may use.
func AccessFree() Access { return Access{mode: accessFree} }

// AccessNever returns the condition of an EF no one may read or use.
func AccessNever() Access { return Access{} }

// AccessAnyOf returns the condition "any one of these key references verified"; with no keys it
// is Never.
func AccessAnyOf(keys ...FileID) Access {
	if len(keys) == 0 {
		return Access{}
	}
	k := slices.Clone(keys)
	slices.Sort(k)
	return Access{mode: accessAnyOf, keys: slices.Compact(k)}
}

// IsFree reports whether the condition needs nothing.
func (a Access) IsFree() bool { return a.mode == accessFree }

// IsNever reports whether nothing opens the EF.
func (a Access) IsNever() bool { return a.mode == accessNever }

// Keys returns the key references any one of which opens the EF, in ascending order (nil when
// free or never).
func (a Access) Keys() []FileID { return slices.Clone(a.keys) }

// Opens reports whether the condition is met, given which key references of the application
// are verified in the current security state.
func (a Access) Opens(verified func(FileID) bool) bool {
	switch a.mode {
	case accessFree:
		return true
	case accessAnyOf:
		if verified == nil {
			return false
		}
		return slices.ContainsFunc(a.keys, verified)
	default:
		return false
	}
}

// Equal reports whether a and b are the same condition.
func (a Access) Equal(b Access) bool { return a.mode == b.mode && slices.Equal(a.keys, b.keys) }

// String returns "free", "never" or e.g. "any of {0012, 0013}".
func (a Access) String() string {
	switch a.mode {
	case accessFree:
		return "free"
	case accessAnyOf:
		s := make([]string, len(a.keys))
		for i, k := range a.keys {
			s[i] = k.String()
		}
		return "any of {" + strings.Join(s, ", ") + "}"
	default:
		return "never"
	}
}

// EFKind is the structure of an EF.
type EFKind uint8

// The kinds of EF on the card.
const (
	// EFTransparent is a transparent data file, read with READ BINARY.
	EFTransparent EFKind = iota + 1
	// EFRecord is a record file, read with READ RECORD.
	EFRecord
	// EFKeyRef is a key reference (PIN or check code), presented with VERIFY and never readable.
	EFKeyRef
	// EFPrivateKey is a private key the card signs or authenticates with; never readable.
	EFPrivateKey
	// EFPublicKey is a public key the card uses internally (e.g. to check a terminal certificate).
	EFPublicKey
)

// String returns "transparent", "record", "key reference", "private key" or "public key".
func (k EFKind) String() string {
	switch k {
	case EFTransparent:
		return "transparent"
	case EFRecord:
		return "record"
	case EFKeyRef:
		return "key reference"
	case EFPrivateKey:
		return "private key"
	case EFPublicKey:
		return "public key"
	}
	return "EFKind(" + strconv.Itoa(int(k)) + ")"
}

// IsData reports whether EFs of this kind hold data that READ BINARY or READ RECORD returns.
func (k EFKind) IsData() bool { return k == EFTransparent || k == EFRecord }

// EF describes one elementary file of an application.
type EF struct {
	ID     FileID // the file identifier
	Kind   EFKind // structure of the file
	Name   string // human name in English
	NameJA string // human name in Japanese, where the card's documentation has one
	// Access opens the EF's main operation: READ BINARY / READ RECORD for data files, signing or
	// INTERNAL AUTHENTICATE for private keys. Key references are Never (VERIFY is always
	// allowed; they are never readable).
	Access Access
	// Secret is what a key reference holds (0 for other kinds, and for TextBlockedRef).
	Secret SecretKind
	// Blocked says the key reference arrives blocked (retry counter 0).
	Blocked bool
	// KeyRole is the role, in the profile's key files, of the private key a private-key EF holds,
	// or, for TextSessionKey, of the private half of the public key it holds ("" otherwise).
	KeyRole string
	// Note records an assumption taimen makes where the public record is silent.
	Note string
}

// Application describes one application of the card and its EFs.
type Application struct {
	App    App    // which application
	AID    AID    // its DF name
	Name   string // human name in English
	NameJA string // the card's own name, e.g. 券面事項確認AP
	EFs    []EF   // in ascending FID order
}

// EF returns the EF with the given FID.
func (a Application) EF(id FileID) (EF, bool) {
	for _, ef := range a.EFs {
		if ef.ID == id {
			return ef, true
		}
	}
	return EF{}, false
}

// KeyRefs returns the application's key-reference EFs.
func (a Application) KeyRefs() []EF {
	var out []EF
	for _, ef := range a.EFs {
		if ef.Kind == EFKeyRef {
			out = append(out, ef)
		}
	}
	return out
}

// Application returns the descriptor of a, a fresh copy the caller may modify; ok is false for
// an unknown App.
func (a App) Application() (Application, bool) {
	if !a.Valid() {
		return Application{}, false
	}
	return cloneApplication(applications[a]), true
}

// Applications returns the descriptors of every application, in the order of Apps.
func Applications() []Application {
	out := make([]Application, 0, len(applications))
	for _, a := range Apps() {
		out = append(out, cloneApplication(applications[a]))
	}
	return out
}

// LookupEF returns the EF with FID id in application app.
func LookupEF(app App, id FileID) (EF, bool) {
	if !app.Valid() {
		return EF{}, false
	}
	ef, ok := applications[app].EF(id)
	if ok {
		ef.Access.keys = slices.Clone(ef.Access.keys)
	}
	return ef, ok
}

func cloneApplication(a Application) Application {
	a.AID = a.App.AID()
	a.EFs = slices.Clone(a.EFs)
	for i := range a.EFs {
		a.EFs[i].Access.keys = slices.Clone(a.EFs[i].Access.keys)
	}
	return a
}

// EFRef names one EF of one application, written "surface/0002" in profiles.
type EFRef struct {
	App App    // the application
	ID  FileID // the EF within it
}

// String returns the "app/FID" form, e.g. "surface/0002".
func (r EFRef) String() string { return r.App.String() + "/" + r.ID.String() }

// ParseEFRef parses the "app/FID" form and checks that the application has that EF.
func ParseEFRef(s string) (EFRef, error) {
	appName, fid, ok := strings.Cut(s, "/")
	if !ok {
		return EFRef{}, fmt.Errorf("myna: EF reference %q must be app/FID, e.g. surface/0002", s)
	}
	app, err := ParseApp(appName)
	if err != nil {
		return EFRef{}, err
	}
	id, err := ParseFileID(fid)
	if err != nil {
		return EFRef{}, err
	}
	if _, ok := LookupEF(app, id); !ok {
		return EFRef{}, fmt.Errorf("myna: application %s has no EF %s", app, id)
	}
	return EFRef{App: app, ID: id}, nil
}

var applications = [...]Application{
	JPKIAP: {
		App: JPKIAP, Name: "JPKI application", NameJA: "公的個人認証AP",
		EFs: []EF{
			{ID: JPKISignCert, Kind: EFTransparent, Name: "signature certificate", NameJA: "署名用電子証明書", Access: AccessAnyOf(JPKISignPasswordRef)},
			{ID: JPKISignCACert, Kind: EFTransparent, Name: "signature CA certificate", NameJA: "署名用CA証明書", Access: AccessFree()},
			{ID: JPKITokenInfo, Kind: EFTransparent, Name: "token information", Access: AccessFree()},
			{ID: JPKICertPresence, Kind: EFTransparent, Name: "certificate presence flags", Access: AccessFree()},
			{ID: JPKIUnknown09, Kind: EFTransparent, Name: "unknown protected EF", Access: AccessNever(), Note: "purpose and access condition unknown; taimen never opens it"},
			{ID: JPKIAuthCert, Kind: EFTransparent, Name: "authentication certificate", NameJA: "利用者証明用電子証明書", Access: AccessFree()},
			{ID: JPKIAuthCACert, Kind: EFTransparent, Name: "authentication CA certificate", NameJA: "利用者証明用CA証明書", Access: AccessFree()},
			{ID: JPKITerminalCAKey, Kind: EFPublicKey, Name: "terminal CA key", Access: AccessNever(), Note: "used by 80 A2 (terminal CV certificate); not readable"},
			{ID: JPKIAuthKey, Kind: EFPrivateKey, Name: "authentication private key", NameJA: "利用者証明用秘密鍵", Access: AccessAnyOf(JPKIAuthPINRef), KeyRole: RoleJPKIAuth},
			{ID: JPKIAuthPINRef, Kind: EFKeyRef, Name: "authentication PIN", NameJA: "利用者証明用暗証番号", Access: AccessNever(), Secret: SecretAuthPIN},
			{ID: JPKISignKey, Kind: EFPrivateKey, Name: "signature private key", NameJA: "署名用秘密鍵", Access: AccessAnyOf(JPKISignPasswordRef), KeyRole: RoleJPKISign},
			{ID: JPKISignPasswordRef, Kind: EFKeyRef, Name: "signature password", NameJA: "署名用パスワード", Access: AccessNever(), Secret: SecretSignPassword},
		},
	},
	TextAP: {
		App: TextAP, Name: "text input support application", NameJA: "券面事項入力補助AP",
		EFs: []EF{
			{ID: TextIndividualNumber, Kind: EFTransparent, Name: "individual number", NameJA: "個人番号", Access: AccessAnyOf(TextPINRef, TextCheckCodeARef)},
			{ID: TextBasicFour, Kind: EFTransparent, Name: "basic four facts", NameJA: "基本4情報", Access: AccessAnyOf(TextPINRef, TextCheckCodeBRef)},
			{ID: TextIntegrity, Kind: EFTransparent, Name: "integrity record", Access: AccessAnyOf(TextPINRef, TextCheckCodeARef, TextCheckCodeBRef)},
			{ID: TextCVCert, Kind: EFTransparent, Name: "CV certificate", Access: AccessFree()},
			{ID: TextBasicInfo, Kind: EFTransparent, Name: "AP basic information", Access: AccessFree()},
			{ID: TextSessionKey, Kind: EFTransparent, Name: "session-key delivery public key", Access: AccessAnyOf(TextPINRef, TextCheckCodeARef, TextCheckCodeBRef), KeyRole: RoleKenhojoSession},
			{ID: TextCardKeyRecord, Kind: EFTransparent, Name: "signed card public key", Access: AccessAnyOf(TextPINRef, TextCheckCodeARef, TextCheckCodeBRef)},
			{ID: TextUnknown08, Kind: EFTransparent, Name: "unknown EF (16 × FF)", Access: AccessFree(), Note: "access condition not attested; taimen assumes free"},
			{ID: TextPINRef, Kind: EFKeyRef, Name: "text PIN", NameJA: "券面事項入力補助用暗証番号", Access: AccessNever(), Secret: SecretTextPIN},
			{ID: TextBlockedRef, Kind: EFKeyRef, Name: "blocked key reference", Access: AccessNever(), Blocked: true, Note: "arrives blocked: 63C0 to a query, 6984 to VERIFY"},
			{ID: TextSigningKey, Kind: EFPrivateKey, Name: "AP signing key (card key)", Access: AccessFree(), KeyRole: RoleCard},
			{ID: TextCheckCodeARef, Kind: EFKeyRef, Name: "check code A", NameJA: "照合番号A", Access: AccessNever(), Secret: SecretCheckCodeA},
			{ID: TextCheckCodeBRef, Kind: EFKeyRef, Name: "check code B", NameJA: "照合番号B", Access: AccessNever(), Secret: SecretCheckCodeB},
		},
	},
	CardSurfaceAP: {
		App: CardSurfaceAP, Name: "card-surface application", NameJA: "券面事項確認AP",
		EFs: []EF{
			{ID: SurfaceAgeRecord, Kind: EFTransparent, Name: "age record", Access: AccessAnyOf(SurfaceBirthDateKeyRef)},
			{ID: SurfaceFace, Kind: EFTransparent, Name: "card face", NameJA: "券面事項", Access: AccessAnyOf(SurfaceCheckCodeBRef, SurfaceCheckCodeARef)},
			{ID: SurfaceBasicInfo, Kind: EFTransparent, Name: "AP basic information", Access: AccessFree()},
			{ID: SurfaceCVCert, Kind: EFTransparent, Name: "CV certificate", Access: AccessFree()},
			{ID: SurfaceNumberImage, Kind: EFTransparent, Name: "individual-number image", NameJA: "個人番号画像", Access: AccessAnyOf(SurfaceCheckCodeARef)},
			{ID: SurfaceUnknown06, Kind: EFTransparent, Name: "unknown EF (16 × FF)", Access: AccessAnyOf(SurfaceCheckCodeBRef, SurfaceCheckCodeARef), Note: "measured readable after A or B; whether it is free is not attested"},
			{ID: SurfaceBirthDateKeyRef, Kind: EFKeyRef, Name: "birth-date key", NameJA: "生年月日読出用暗証番号", Access: AccessNever(), Secret: SecretBirthDateKey},
			{ID: SurfaceCheckCodeBRef, Kind: EFKeyRef, Name: "check code B", NameJA: "照合番号B", Access: AccessNever(), Secret: SecretCheckCodeB},
			{ID: SurfaceCheckCodeARef, Kind: EFKeyRef, Name: "check code A", NameJA: "照合番号A", Access: AccessNever(), Secret: SecretCheckCodeA},
			{ID: SurfaceSigningKey, Kind: EFPrivateKey, Name: "AP signing key (card key)", Access: AccessFree(), KeyRole: RoleCard},
		},
	},
	JukiAP: {
		App: JukiAP, Name: "resident-registry application", NameJA: "住基AP",
		EFs: []EF{
			{ID: JukiKeyID, Kind: EFRecord, Name: "key reference record", Access: AccessFree(), Note: "content and access condition not understood; taimen assumes free"},
			{ID: JukiPINRef, Kind: EFKeyRef, Name: "juki PIN", NameJA: "住民基本台帳用暗証番号", Access: AccessNever(), Secret: SecretJukiPIN},
		},
	},
	CommonAP: {
		App: CommonAP, Name: "common application", NameJA: "共通AP",
		EFs: []EF{
			{ID: CommonCardInfo, Kind: EFRecord, Name: "card information", Access: AccessFree()},
			{ID: CommonKeyID, Kind: EFRecord, Name: "key reference record", Access: AccessFree(), Note: "content and access condition not understood; taimen assumes free"},
			{ID: CommonIAKey, Kind: EFPrivateKey, Name: "internal-authentication key", Access: AccessFree(), KeyRole: RoleCommonIA},
			{ID: CommonPINRef, Kind: EFKeyRef, Name: "juki PIN (common AP)", NameJA: "住民基本台帳用暗証番号", Access: AccessNever(), Secret: SecretJukiPIN},
		},
	},
	GPISD: {
		App: GPISD, Name: "GlobalPlatform issuer security domain",
	},
	LicenceAP: licenceApplication,
}
