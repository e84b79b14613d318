package myna

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// The driving-licence application (マイナ免許証) on cards whose holder linked a licence, since
// 2025-03-24. docs/LICENCE.md has the sources of every fact and taimen's choices where they are
// silent: the AID, the three EFs and the PIN's EF and limit are attested (hmpow/DLC_Starter,
// the National Police Agency's specification as it reports it); the tags of EF 001B other than
// C5 and the layout of EF 001C are taimen's.

// licenceAID is the application's instance AID (16 bytes; DLC_Starter AID_INS).
var licenceAID = []byte{0xA0, 0x00, 0x00, 0x02, 0x31, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}

// File IDs of the driving-licence application (LicenceAP).
const (
	LicencePINRef     FileID = 0x0006 // the licence PIN, 10 tries (VERIFY 00 20 00 86)
	LicencePINSetting FileID = 0x001A // C1 01 01 when the holder set a PIN, C1 01 00 when not; free
	LicenceData       FileID = 0x001B // the licence data: TLV, JIS X 0201 text, era-coded dates
	LicenceSignature  FileID = 0x001C // the issuer's SHA-256/RSA-2048 PKCS#1 v1.5 signature over EF 001B
)

// RoleLicenceIssuer is the role of the issuing prefecture's (public safety commission's) test
// key, in the key file a profile's licence.key names: it signs EF 001B into EF 001C.
const RoleLicenceIssuer = "licence-issuer"

var licenceApplication = Application{
	App: LicenceAP, Name: "driving-licence application", NameJA: "マイナ免許証AP",
	EFs: []EF{
		{ID: LicencePINRef, Kind: EFKeyRef, Name: "licence PIN", NameJA: "暗証番号", Access: AccessNever(), Secret: SecretLicencePIN},
		{ID: LicencePINSetting, Kind: EFTransparent, Name: "PIN-setting flag", NameJA: "暗証番号設定有無", Access: AccessFree()},
		{ID: LicenceData, Kind: EFTransparent, Name: "licence data", NameJA: "免許情報", Access: AccessAnyOf(LicencePINRef)},
		{ID: LicenceSignature, Kind: EFTransparent, Name: "issuer signature", NameJA: "電子署名", Access: AccessAnyOf(LicencePINRef),
			Note: "access not attested: taimen assumes the PIN (behaviour licence.signature_read)"},
	},
}

// LicenceCategory is one category of driving licence (免許の種類). Key is the profile's name;
// Code the two JIS X 0201 digits taimen stores on the card (taimen's numbering).
type LicenceCategory struct {
	Key    string // e.g. "ordinary"
	NameJA string // e.g. "普通"
	Code   string // e.g. "04"
}

var licenceCategories = []LicenceCategory{
	{"large", "大型", "01"}, {"medium", "中型", "02"}, {"semi-medium", "準中型", "03"}, {"ordinary", "普通", "04"},
	{"large-special", "大特", "05"}, {"large-motorcycle", "大自二", "06"}, {"ordinary-motorcycle", "普自二", "07"},
	{"small-special", "小特", "08"}, {"moped", "原付", "09"}, {"towing", "け引", "10"}, {"large-2", "大二", "11"},
	{"medium-2", "中二", "12"}, {"ordinary-2", "普二", "13"}, {"large-special-2", "大特二", "14"}, {"towing-2", "け引二", "15"},
}

// LicenceCondition is one condition on a licence (免許の条件等), numbered like LicenceCategory.
type LicenceCondition struct {
	Key    string // e.g. "glasses"
	NameJA string // e.g. "眼鏡等"
	Code   string // e.g. "01"
}

var licenceConditions = []LicenceCondition{
	{"glasses", "眼鏡等", "01"}, {"hearing-aid", "補聴器", "02"}, {"at-only", "普通車はAT車に限る", "03"},
	{"medium-8t", "中型車は中型車(8t)に限る", "04"},
}

// LicenceCategories returns every licence category, in code order.
func LicenceCategories() []LicenceCategory { return slices.Clone(licenceCategories) }

// LicenceConditions returns every licence condition, in code order.
func LicenceConditions() []LicenceCondition { return slices.Clone(licenceConditions) }

func lookupCategory(f func(LicenceCategory) bool) (LicenceCategory, bool) {
	i := slices.IndexFunc(licenceCategories, f)
	if i < 0 {
		return LicenceCategory{}, false
	}
	return licenceCategories[i], true
}

func lookupCondition(f func(LicenceCondition) bool) (LicenceCondition, bool) {
	i := slices.IndexFunc(licenceConditions, f)
	if i < 0 {
		return LicenceCondition{}, false
	}
	return licenceConditions[i], true
}

// LicenceGrant is one category held and the date it was first granted.
type LicenceGrant struct {
	Category LicenceCategory
	Since    time.Time // UTC midnight
}

// Licence is the profile's optional driving-licence data (profile.json "licence"). It prints
// redacted: the number and dates are personal data.
type Licence struct {
	Number     string    // 12 digits (運転免許証番号)
	Commission string    // the issuing prefecture's public safety commission, 2 digits (e.g. "30" Tokyo)
	Issued     time.Time // 交付年月日, UTC midnight
	Expiry     time.Time // 有効期間の末日, UTC midnight
	Grants     []LicenceGrant
	Conditions []LicenceCondition
	KeyPath    string // the issuing prefecture's key file, as resolved

	pin LicencePIN
	key *rsa.PrivateKey
}

// PIN returns the licence PIN, "****" when the holder set none.
func (l *Licence) PIN() LicencePIN { return l.pin }

// PINSet reports whether the holder set a PIN (EF 001A = C1 01 01).
func (l *Licence) PINSet() bool { return !l.pin.IsNotSet() }

// IssuerKey returns the issuing prefecture's test key, which signs EF 001B.
func (l *Licence) IssuerKey() *rsa.PrivateKey { return l.key }

// String returns "licence([redacted])".
func (l Licence) String() string { return "licence(" + Redacted + ")" }

// GoString returns "myna.Licence{[redacted]}".
func (l Licence) GoString() string { return "myna.Licence{" + Redacted + "}" }

// Format writes the redacted rendering whatever the verb.
func (l Licence) Format(f fmt.State, verb rune) { formatOnly(f, verb, l.String(), l.GoString()) }

// MarshalJSON returns "[redacted]".
func (l Licence) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// LogValue makes slog print "[redacted]".
func (l Licence) LogValue() slog.Value { return slog.StringValue(Redacted) }

// LicenceBehaviour holds the licence application's answers where the sources are silent
// (docs/LICENCE.md); profile.json behaviour.licence.
type LicenceBehaviour struct {
	// SignatureFree makes EF 001C readable without the PIN; false (default, "pin") needs it, as
	// EF 001B does.
	SignatureFree bool
}

// The file format of "licence". Pointers tell absent fields from zero values.
type licenceFile struct {
	Number     *string           `json:"number"`
	Commission *string           `json:"commission"`
	Issued     *string           `json:"issued"`
	Expiry     *string           `json:"expiry"`
	Categories map[string]string `json:"categories"`
	Conditions []string          `json:"conditions"`
	PIN        *string           `json:"pin"`
	Key        *string           `json:"key"`
}

type licenceBehaviourFile struct {
	SignatureRead *string `json:"signature_read"`
}

func (v *validator) licenceBehaviour(b *Behaviour, f *licenceBehaviourFile) {
	if f == nil || f.SignatureRead == nil {
		return
	}
	switch *f.SignatureRead {
	case "pin":
		b.Licence.SignatureFree = false
	case "free":
		b.Licence.SignatureFree = true
	default:
		v.fail("behaviour.licence.signature_read", `must be "pin" or "free"`)
	}
}

// licence validates and loads the optional "licence" section; nil leaves Profile.Licence nil.
func (v *validator) licence(p *Profile, f *licenceFile, dir string) {
	if f == nil {
		return
	}
	if !p.Card.Form.IsCard() {
		v.fail("licence", "a %s carries no driving-licence application; remove the licence section or set card.form \"card\"", p.Card.Form)
		return
	}
	l := &Licence{}
	l.Number = v.digits("licence.number", f.Number, 12)
	l.Commission = v.digits("licence.commission", f.Commission, 2)
	l.Issued = v.licenceDate("licence.issued", f.Issued)
	l.Expiry = v.licenceDate("licence.expiry", f.Expiry)
	if !l.Issued.IsZero() && !l.Expiry.IsZero() && !l.Expiry.After(l.Issued) {
		v.fail("licence.expiry", "must be after licence.issued")
	}
	if len(f.Categories) == 0 {
		v.fail("licence.categories", "missing; want at least one category with the date first granted, e.g. {\"ordinary\": \"2005-06-01\"}")
	}
	for _, c := range licenceCategories { // code order, whatever the JSON order
		s, ok := f.Categories[c.Key]
		if !ok {
			continue
		}
		if t := v.licenceDate("licence.categories."+c.Key, &s); !t.IsZero() {
			l.Grants = append(l.Grants, LicenceGrant{Category: c, Since: t})
		}
	}
	for k := range f.Categories {
		if _, ok := lookupCategory(func(c LicenceCategory) bool { return c.Key == k }); !ok {
			v.fail("licence.categories."+k, "unknown category; want one of %s", licenceKeys(licenceCategories, func(c LicenceCategory) string { return c.Key }))
		}
	}
	for i, k := range f.Conditions {
		c, ok := lookupCondition(func(c LicenceCondition) bool { return c.Key == k })
		if !ok {
			v.fail(fmt.Sprintf("licence.conditions[%d]", i), "unknown condition; want one of %s", licenceKeys(licenceConditions, func(c LicenceCondition) string { return c.Key }))
			continue
		}
		l.Conditions = append(l.Conditions, c)
	}
	if f.PIN == nil {
		v.fail("licence.pin", `missing; give the 4-digit PIN, or "****" when the holder set none`)
	} else if pin, err := ParseLicencePIN(*f.PIN); err != nil {
		v.failErr("licence.pin", formReason(err))
	} else {
		l.pin = pin
	}
	if f.Key == nil {
		v.fail("licence.key", "missing: a licence needs the issuing prefecture's key file (role %q, generated by vectors/gen) to sign EF 001B", RoleLicenceIssuer)
	} else if path := v.resolve("licence.key", *f.Key, dir); path != "" {
		l.KeyPath = path
		l.key = v.roleKey("licence.key", path, RoleLicenceIssuer)
	}
	p.Licence = l
}

// licenceDate reads a date a licence's era code can encode (from 1873, Meiji onwards).
func (v *validator) licenceDate(field string, s *string) time.Time {
	t := v.date(field, s)
	if !t.IsZero() {
		if _, err := ToEra(t); err != nil {
			v.fail(field, "must be on or after 1873-01-01")
			return time.Time{}
		}
	}
	return t
}

// roleKey loads a key file holding exactly one key, of role.
func (v *validator) roleKey(field, path, role string) *rsa.PrivateKey {
	data, err := v.read(path)
	if err != nil {
		v.failErr(field, err)
		return nil
	}
	keys, err := ParseKeys(data)
	if err != nil {
		v.failErr(field, fmt.Errorf("%s: %s", path, reasonOf(err)))
		return nil
	}
	if err := CheckKeyRoles(keys, []string{role}); err != nil {
		v.failErr(field, fmt.Errorf("%s: %w", path, err))
		return nil
	}
	return keys[role]
}

func licenceKeys[T any](list []T, key func(T) string) string {
	names := make([]string, len(list))
	for i, x := range list {
		names[i] = key(x)
	}
	return strings.Join(names, ", ")
}
