package emulator

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/cvc"
	"github.com/taimen-dev/taimen/myna/layout"
)

// Options configure a Card.
type Options struct {
	// StateDir keeps the retry counters and changed PINs across restarts; ""
	// keeps them in memory for the life of the Card.
	StateDir string
	// Rand supplies GET CHALLENGE bytes and PSS salts; default crypto/rand.
	Rand io.Reader
	// Faults switch on deliberate misbehaviours (see Faults); none by default.
	Faults []FaultSetting
	// Tries presets counters of a new card ("surface/0012" → tries left, at
	// most the limit): a card with one try left, or a blocked one. A state
	// file that already exists keeps its own values.
	Tries map[string]int
	// Observe, if set, is called after every command with the command, the
	// response (nil when the card did not answer) and the time it took; the
	// slices are valid only during the call. Reader certification records the
	// APDU stream with it.
	Observe func(cmd, rsp []byte, d time.Duration)
	// Logger, if set, is told of every failure to save the state (the card then answers
	// 6581, memory failure), with the path and the cause.
	Logger *slog.Logger
	// Form presents the profile's card as another form (a phone's JPKI-only
	// token, a card with no My Number application): only the form's
	// applications answer SELECT (the others 6A82), with the form's ATR and
	// JPKI token label. "" takes the profile's card.form.
	Form myna.Form
}

// Test CA key IDs: the test "J-LIS" range begins with 9 and never with the
// production 5, so an emulated card can never validate as genuine.
var (
	TestCAKenkaku = cvc.MustKeyID("9000023", "001") // signs the card-surface AP's CV certificate
	// TestCAKenkakuP384 is the card-surface test CA's next key, ECDSA P-384, as a key
	// rollover would give it: it signs the provisional next-generation card's CV
	// certificate. A distinct ID lets one anchor set hold both keys.
	TestCAKenkakuP384 = cvc.MustKeyID("9000023", "002")
	TestCAKenhojo     = cvc.MustKeyID("9000033", "001") // signs the text AP's CV certificate
	testRoot          = cvc.MustKeyID("9000020", "001") // MF-level chain (GET DATA 00F7/00F8)
)

// Load reads a profile file and personalizes a card from it.
func Load(profilePath string, opts Options) (*Card, error) {
	p, err := myna.LoadProfile(profilePath)
	if err != nil {
		return nil, err
	}
	return New(p, opts)
}

// New personalizes a card from a profile: every file, key and key reference of
// CARD.md, signed by the profile set's test CA.
func New(p *myna.Profile, opts Options) (*Card, error) {
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	faults := newFaultSet(opts.Faults)
	form := opts.Form
	if form == "" {
		form = p.Card.Form
	}
	if _, err := myna.ParseForm(string(form)); err != nil {
		return nil, fmt.Errorf("personalize %s: %w", p.ID, err)
	}
	contents, mf, err := personalize(p, faults, form)
	if err != nil {
		return nil, fmt.Errorf("personalize %s: %w", p.ID, err)
	}
	atr := p.Card.ATR()
	if a := form.ATR(); a != nil {
		atr = a
	}
	c := &Card{id: p.ID, atr: atr, mfData: mf, rand: opts.Rand, faults: faults, abort: make(chan struct{}), noISD: !form.Has(myna.GPISD)}
	if faults.has(FaultClone) {
		c.cloneKey, _ = p.Key(myna.RoleCommonIA) // any key but the card's
	}
	b := p.Behaviour
	c.beh = behaviour{
		blockedQuery:     apdu.StatusWord(b.BlockedStatusQuery),
		protectedRead:    apdu.StatusWord(b.ProtectedRead),
		wrongLengthSpend: b.WrongLengthVerify == myna.WrongLengthCounts,
		beyondEnd:        apdu.StatusWord(b.OffsetBeyondEnd),
		reselectClears:   b.ReselectSameAPClears,
		wrongCodeClears:  b.WrongCodeClears,
		extended:         b.ExtendedLength && !faults.has(FaultNoExtended),
	}
	initial := map[string]int{}
	for _, desc := range myna.Applications() {
		if desc.App == myna.GPISD || !form.Has(desc.App) || !p.Generation.Has(desc.App) {
			continue
		}
		app := &application{id: desc.App.String(), aid: []byte(desc.AID)}
		switch desc.App {
		case myna.TextAP:
			app.ssk, app.pinFID = sskText, uint16(myna.TextPINRef)
			app.sessionKey, _ = p.Key(myna.RoleKenhojoSession)
		case myna.CardSurfaceAP, myna.CommonAP:
			app.ssk = sskNotConfigured
		default:
			app.ssk = sskRefused
		}
		for _, d := range desc.EFs {
			e, err := buildEF(p, desc.App, d, contents)
			if err != nil {
				return nil, fmt.Errorf("personalize %s: %s/%s: %w", p.ID, desc.App, d.ID, err)
			}
			if e.key != nil {
				initial[e.key.state] = e.key.limit
				if d.Blocked {
					initial[e.key.state] = 0
				}
			}
			app.efs[e.fid] = e
		}
		switch desc.App {
		case myna.TextAP:
			app.defaultKey = app.lookup(uint16(myna.TextSigningKey))
		case myna.CardSurfaceAP:
			app.defaultKey = app.lookup(uint16(myna.SurfaceSigningKey))
		}
		c.apps = append(c.apps, app)
	}
	if app, err := licenceApp(p, form, faults); err != nil {
		return nil, fmt.Errorf("personalize %s: licence: %w", p.ID, err)
	} else if app != nil {
		c.apps = append(c.apps, app)
		initial[app.efs[myna.LicencePINRef].key.state] = app.efs[myna.LicencePINRef].key.limit
	}
	start := initial
	if len(opts.Tries) > 0 {
		start = make(map[string]int, len(initial))
		for k, v := range initial {
			start[k] = v
		}
		for k, v := range opts.Tries {
			limit, ok := initial[k]
			if !ok {
				return nil, fmt.Errorf("personalize %s: preset tries for unknown key reference %q", p.ID, k)
			}
			if v < 0 || v > limit {
				return nil, fmt.Errorf("personalize %s: preset tries %s = %d outside 0..%d", p.ID, k, v, limit)
			}
			start[k] = v
		}
	}
	st, err := openStore(opts.StateDir, p.ID, fingerprint(p, initial), initial)
	if err != nil {
		return nil, err
	}
	st.log = opts.Logger
	if len(opts.Tries) > 0 && st.fresh {
		for k, v := range start {
			if err := st.setTries(k, v); err != nil {
				return nil, err
			}
		}
	}
	c.observe = opts.Observe
	st.memOnly = faults.has(FaultCounterNotDurable)
	c.st, c.initial = st, initial
	return c, nil
}

// Fresh returns a new card with the same personalization as c (files, keys and
// reference values are shared, being immutable) and its counters at their
// initial values, kept in memory only. It is cheap: no key is used to sign.
func (c *Card) Fresh() *Card {
	st, _ := openStore("", c.id, "", c.initial) // cannot fail without a directory
	return &Card{id: c.id, atr: c.atr, apps: c.apps, mfData: c.mfData, beh: c.beh, rand: c.rand, st: st, initial: c.initial,
		faults: c.faults, cloneKey: c.cloneKey, abort: make(chan struct{}), observe: c.observe, noISD: c.noISD}
}

// fingerprint identifies a personalization so that a state file cannot be
// used with another card. It holds no personal data.
func fingerprint(p *myna.Profile, initial map[string]int) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%x\x00", p.ID, sha256.Sum256([]byte(p.Card.Serial)))
	for _, k := range sortedKeys(initial) {
		fmt.Fprintf(h, "%s=%d\x00", k, initial[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func toAccess(a myna.Access) access {
	out := access{free: a.IsFree()}
	for _, k := range a.Keys() {
		out.anyOf |= bit(uint16(k))
	}
	return out
}

func buildEF(p *myna.Profile, app myna.App, d myna.EF, contents map[myna.EFRef][]byte) (*ef, error) {
	if d.ID == 0 || d.ID > 0x1E {
		return nil, fmt.Errorf("file ID outside 0001..001E")
	}
	e := &ef{fid: uint16(d.ID)}
	ref := myna.EFRef{App: app, ID: d.ID}
	switch d.Kind {
	case myna.EFTransparent:
		data, ok := contents[ref]
		if !ok {
			return nil, fmt.Errorf("no content")
		}
		e.kind, e.data, e.read = efBinary, data, toAccess(d.Access)
	case myna.EFRecord:
		data, ok := contents[ref]
		if !ok {
			return nil, fmt.Errorf("no content")
		}
		e.kind, e.records, e.read = efRecord, [][]byte{data}, toAccess(d.Access)
	case myna.EFKeyRef:
		k := &keyRef{state: ref.String(), limit: 3}
		if d.Secret.Valid() {
			s := p.Secret(d.Secret)
			if s == nil {
				return nil, fmt.Errorf("profile has no %s", d.Secret)
			}
			k.label, k.kind, k.ref, k.limit = d.Secret.String(), d.Secret, s.Bytes(), p.RetryLimits.For(d.Secret)
			kind := d.Secret
			k.validate = func(b []byte) error { _, err := kind.Parse(string(b)); return err }
			switch kind {
			case myna.SecretAuthPIN, myna.SecretSignPassword, myna.SecretTextPIN:
				k.change = changeRefData
			case myna.SecretJukiPIN:
				k.change = changeKey
			}
		} else {
			k.label = d.Name // a key that arrives blocked; no value opens it
			k.ref = bytes.Repeat([]byte{0xFF}, 8)
		}
		e.kind, e.key = efKeyRef, k
	case myna.EFPrivateKey:
		key, ok := p.Key(d.KeyRole)
		if !ok {
			return nil, fmt.Errorf("no key for role %q", d.KeyRole)
		}
		e.kind, e.priv, e.use = efPrivKey, key, toAccess(d.Access)
		e.alt = cardAltKey(p, d.KeyRole)
		e.ia = d.ID == myna.CommonIAKey && app == myna.CommonAP
	default:
		e.kind = efOpaque
	}
	return e, nil
}

// personalize builds the content of every data file and the MF-level GET DATA objects.
func personalize(p *myna.Profile, faults faultSet, form myna.Form) (map[myna.EFRef][]byte, map[uint16][]byte, error) {
	key := func(role string) (*rsa.PrivateKey, error) {
		k, ok := p.Key(role)
		if !ok {
			return nil, fmt.Errorf("no key for role %q", role)
		}
		return k, nil
	}
	var firstErr error
	must := func(role string) *rsa.PrivateKey {
		k, err := key(role)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return k
	}
	caKenkaku, caKenhojo := must(myna.RoleCVCAKenkaku), must(myna.RoleCVCAKenhojo)
	issKenhojo := must(myna.RoleCVIssuerKenhojo)
	cardKey := must(myna.RoleCard)
	sessKey := must(myna.RoleKenhojoSession)
	jpkiAuthCA, jpkiSignCA := must(myna.RoleJPKICAAuth), must(myna.RoleJPKICASign)
	jpkiAuth, jpkiSign := must(myna.RoleJPKIAuth), must(myna.RoleJPKISign)
	if firstErr != nil {
		return nil, nil, firstErr
	}
	person, card := p.Person, p.Card
	size := func(app myna.App, id myna.FileID) int {
		n, _ := p.EFSize(app, id)
		return n
	}
	out := map[myna.EFRef][]byte{}
	var err error
	// set(app, id)(content, err) records one file's content.
	set := func(app myna.App, id myna.FileID) func([]byte, error) {
		return func(b []byte, e error) {
			if e != nil && err == nil {
				err = fmt.Errorf("%s/%s: %w", app, id, e)
			}
			ref := myna.EFRef{App: app, ID: id}
			out[ref] = applyFiller(ref, b, p.Behaviour.Filler)
		}
	}
	birth := person.BirthDateDigits()
	sex := person.Sex.Digit()
	// 券面事項確認AP (card surface) and 券面事項入力補助AP (text): a phone's token has neither,
	// and its profile carries no card-surface images.
	if form.Has(myna.CardSurfaceAP) || len(p.Images.Face) > 0 {
		subjectKenkaku := cvc.MustKeyID(person.MunicipalityCode+"21", "000")
		subjectKenhojo := cvc.MustKeyID(person.MunicipalityCode+"31", "000")

		// 券面事項確認AP (card surface). Its CV certificate and data signatures are in the
		// generation's data signature algorithm: RSA-2048 today, ECDSA P-384 on the provisional
		// next-generation card (generation.data_signature_algorithm).
		const S = myna.CardSurfaceAP
		surfCA, surfIss, ok := p.SurfaceSigners()
		if !ok {
			return nil, nil, fmt.Errorf("no card-surface CA and issuer keys")
		}
		// The card key's three copies (DF12, DF24, DF42) are one key (CARD.md §5.4): the
		// generation's, P-384 on the provisional next-generation card.
		var cardPub crypto.PublicKey = &cardKey.PublicKey
		if alt := cardAltKey(p, myna.RoleCard); alt != nil {
			cardPub = alt.signer.Public()
		}
		set(S, myna.SurfaceAgeRecord)(layout.BuildAgeRecord(birth, cardPub, surfIss, size(S, myna.SurfaceAgeRecord)))
		unsigned := layout.CardFaceUnsigned{Expiry: card.ExpiryDigits(), SecurityCodePNG: p.Images.SecurityCode}
		if faults.has(FaultChangedExpiry) {
			unsigned.Expiry = card.Expiry.AddDate(5, 0, 0).Format("20060102")
		}
		if faults.has(FaultChangedSecurityCode) {
			unsigned.SecurityCodePNG = p.Images.Number // another valid image
		}
		faceSigned := layout.CardFaceSigned{
			BirthDate: birth, Sex: sex, CardKey: &cardKey.PublicKey,
			NamePNG: p.Images.Name, AddressPNG: p.Images.Address, PhotoJP2: p.Images.Face,
		}
		if ek, ok := cardPub.(*ecdsa.PublicKey); ok {
			pt, e := ek.Bytes()
			if e != nil {
				return nil, nil, fmt.Errorf("card key: %w", e)
			}
			faceSigned.CardKey, faceSigned.CardKeyEC = nil, pt
		}
		face, e := layout.BuildCardFace(faceSigned, unsigned, surfIss, size(S, myna.SurfaceFace))
		if e == nil {
			face, e = corruptFace(face, faults)
		}
		set(S, myna.SurfaceFace)(face, e)
		set(S, myna.SurfaceBasicInfo)(layout.BuildSurfaceAPInfo(layout.SurfaceAPInfo{
			Ident: [4]byte{0x06, 0x03, 0x0E, 0x01}, KeyID: subjectKenkaku, Version: 1, Municipality: person.MunicipalityCode,
			RefKeyID: cvc.MustKeyID("9900025", "001"), RefData: derived(p.ID+"/surface-ref", 256),
		}, size(S, myna.SurfaceBasicInfo)))
		set(S, myna.SurfaceCVCert)(surfaceCert(surfCA, surfIss, jpkiAuthCA, subjectKenkaku, faults.has(FaultUnknownCA)))
		set(S, myna.SurfaceNumberImage)(layout.BuildMyNumberImage(p.Images.Number, cardPub, surfIss, size(S, myna.SurfaceNumberImage)))
		set(S, myna.SurfaceUnknown06)(layout.BuildOpaque16(), nil)

		// 券面事項入力補助AP (text).
		const T = myna.TextAP
		number, e := layout.BuildMyNumberFile(person.IndividualNumber.Reveal())
		set(T, myna.TextIndividualNumber)(number, e)
		four, e := layout.BuildBasicFour(layout.BasicFour{Name: person.Name, Address: person.Address, BirthDate: birth, Sex: sex}, size(T, myna.TextBasicFour))
		set(T, myna.TextBasicFour)(four, e)
		// DF31 and DF32 digest the files as the card holds them: with the profile's filler.
		number, four = out[myna.EFRef{App: T, ID: myna.TextIndividualNumber}], out[myna.EFRef{App: T, ID: myna.TextBasicFour}]
		set(T, myna.TextIntegrity)(layout.BuildIntegrity(number, four, issKenhojo, size(T, myna.TextIntegrity)))
		set(T, myna.TextCVCert)(cvc.Build(TestCAKenhojo, subjectKenhojo, &issKenhojo.PublicKey, caKenhojo))
		set(T, myna.TextBasicInfo)(layout.BuildTextAPInfo(layout.TextAPInfo{
			Ident: [4]byte{0x01, 0x03, 0x0E, 0x01}, KeyID: subjectKenhojo,
			Opaque: append(derived(p.ID+"/text-opaque", 32), bytes.Repeat([]byte{0xFF}, 96)...),
		}, max(size(T, myna.TextBasicInfo), layout.TextAPInfoMinSize)))
		set(T, myna.TextSessionKey)(layout.BuildSessionKey(&sessKey.PublicKey, size(T, myna.TextSessionKey)))
		set(T, myna.TextCardKeyRecord)(layout.BuildSignedCardKey(&cardKey.PublicKey, issKenhojo, size(T, myna.TextCardKeyRecord)))
		set(T, myna.TextUnknown08)(layout.BuildOpaque16(), nil)
	}

	// 公的個人認証AP (JPKI).
	const J = myna.JPKIAP
	notAfter := card.Expiry
	notBefore := card.Expiry.AddDate(-10, 0, 1)
	certs, e := makeJPKICerts(p.ID, notBefore, notAfter, jpkiHolder{name: person.Name, sex: string(sex), birth: birth, address: person.Address},
		jpkiAuthCA, jpkiSignCA, jpkiAuth, jpkiSign)
	if e != nil {
		return nil, nil, e
	}
	set(J, myna.JPKISignCert)(certs.sign, nil)
	set(J, myna.JPKISignCACert)(certs.signCA, nil)
	set(J, myna.JPKIAuthCert)(certs.auth, nil)
	set(J, myna.JPKIAuthCACert)(certs.authCA, nil)
	token := layout.DefaultTokenInfo()
	if l := form.TokenLabel(); l != "" {
		token.Label = l
	}
	set(J, myna.JPKITokenInfo)(layout.BuildTokenInfo(token))
	set(J, myna.JPKICertPresence)(layout.BuildCertFlags(true, true), nil)
	set(J, myna.JPKIUnknown09)(layout.BuildOpaque16(), nil)

	// 共通AP and 住基AP.
	info, e := layout.BuildCommonInfo(layout.CommonInfo{Serial: card.Serial, Municipality: person.MunicipalityCode, Expiry: card.ExpiryDigits()})
	set(myna.CommonAP, myna.CommonCardInfo)(info, e)
	keyRef16 := testRoot[:]
	set(myna.CommonAP, myna.CommonKeyID)(bytes.Clone(keyRef16), nil)
	set(myna.JukiAP, myna.JukiKeyID)(bytes.Clone(keyRef16), nil)
	if err != nil {
		return nil, nil, err
	}

	// MF-level GET DATA objects (CARD.md §2.5). The chain is the test CA's.
	rootCert, e := cvc.Build(testRoot, TestCAKenkaku, &caKenkaku.PublicKey, caKenkaku)
	if e != nil {
		return nil, nil, e
	}
	below, e := cvc.Build(TestCAKenkaku, TestCAKenhojo, &caKenhojo.PublicKey, caKenkaku)
	if e != nil {
		return nil, nil, e
	}
	atr := card.ATRContact
	mf := map[uint16][]byte{
		0x0042: bytes.Clone(testRoot[:]),
		0x0045: []byte(card.Serial),
		0x0066: gpCardRecognitionData,
		0x00F0: []byte(person.MunicipalityCode),
		0x00F2: []byte(card.ExpiryDigits()),
		0x00F7: bytes.Clone(TestCAKenkaku[:]),
		0x00F8: rootCert,
		0x7F21: below,
		0x5F51: bytes.Clone(atr[1:]),
	}
	if !form.HasMFData() {
		mf = map[uint16][]byte{} // the MF-level objects are the My Number Card's
	}
	return out, mf, nil
}

// surfaceCert builds the card-surface application's CV certificate: ca certifies issuer under
// TestCAKenkaku in the keys' algorithm: cvc.Build for RSA-2048, cvc.BuildEC under
// TestCAKenkakuP384 for the provisional ECDSA P-384. unknownCA (FaultUnknownCA) signs it with another key under the same
// issuer ID, so that no anchor verifies it: other for RSA, a fresh P-384 key for ECDSA.
func surfaceCert(ca, issuer crypto.Signer, other *rsa.PrivateKey, subject cvc.KeyID, unknownCA bool) ([]byte, error) {
	switch ca := ca.(type) {
	case *rsa.PrivateKey:
		iss, ok := issuer.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("CV certificate: an RSA CA with a %T issuer key", issuer)
		}
		if unknownCA {
			ca = other
		}
		return cvc.Build(TestCAKenkaku, subject, &iss.PublicKey, ca)
	case *ecdsa.PrivateKey:
		iss, ok := issuer.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("CV certificate: an ECDSA CA with a %T issuer key", issuer)
		}
		if unknownCA {
			k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
			if err != nil {
				return nil, err
			}
			ca = k
		}
		return cvc.BuildEC(TestCAKenkakuP384, subject, &iss.PublicKey, ca)
	}
	return nil, fmt.Errorf("CV certificate: a %T CA key is neither RSA nor ECDSA", ca)
}

// corruptFace applies the card-face faults to a built EF 0002: a forged photo
// (a byte of DF27 flipped after signing) or a DF21 table that does not match
// the tags (the first two offsets swapped; DF21 is not signed).
func corruptFace(face []byte, faults faultSet) ([]byte, error) {
	if !faults.has(FaultForgedData) && !faults.has(FaultBadOffsets) {
		return face, nil
	}
	parsed, err := layout.ParseCardFace(face)
	if err != nil {
		return nil, err
	}
	out := bytes.Clone(face)
	if faults.has(FaultForgedData) {
		at := int(parsed.Offsets[5]) // DF27
		photo, _, err := apdu.ParseTLV(out[at:])
		if err != nil {
			return nil, err
		}
		out[at+photo.HeaderLen()+len(photo.Value)/2] ^= 0x5A
	}
	if faults.has(FaultBadOffsets) {
		outer, _, err := apdu.ParseTLV(out)
		if err != nil {
			return nil, err
		}
		table := outer.HeaderLen() + 3 // DF 21 12, then nine u16
		out[table], out[table+1], out[table+2], out[table+3] = out[table+2], out[table+3], out[table], out[table+1]
	}
	return out, nil
}

// gpCardRecognitionData is GlobalPlatform card recognition data: the GP RID OID and GP 2.2.1.
var gpCardRecognitionData = []byte{
	0x73, 0x17,
	0x06, 0x07, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x01,
	0x60, 0x0C, 0x06, 0x0A, 0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x02, 0x02, 0x02, 0x01,
}

// derived returns n stable pseudo-random bytes for opaque fields.
func derived(label string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		h := sha256.Sum256([]byte("taimen opaque " + label + "/" + strconv.Itoa(i)))
		out = append(out, h[:]...)
	}
	return out[:n]
}
