package myna

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAIDs(t *testing.T) {
	want := map[App]string{
		JPKIAP:        "D392F000260100000001",
		TextAP:        "D3921000310001010408",
		CardSurfaceAP: "D3921000310001010402",
		JukiAP:        "D3921000310001010401",
		CommonAP:      "D3921000310001010100",
		GPISD:         "A0000001510000",
	}
	for _, a := range Apps() {
		if got := a.AID().String(); got != want[a] {
			t.Errorf("%v.AID() = %s, want %s", a, got, want[a])
		}
		if got, ok := AppByAID(a.AID()); !ok || got != a {
			t.Errorf("AppByAID(%s) = %v, %v", a.AID(), got, ok)
		}
		if got, err := ParseApp(a.String()); err != nil || got != a {
			t.Errorf("ParseApp(%q) = %v, %v", a, got, err)
		}
		if !a.AID().Equal(a.AID()) {
			t.Errorf("%v: AID not Equal to itself", a)
		}
	}
	if len(want) != len(Apps()) {
		t.Errorf("Apps() has %d entries", len(Apps()))
	}
	// AID returns a copy.
	a := CardSurfaceAP.AID()
	a[9] = 0x08
	if CardSurfaceAP.AID().String() != want[CardSurfaceAP] {
		t.Error("AID() aliases the table")
	}
	if _, ok := AppByAID([]byte{0xD3, 0x92, 0x10}); ok {
		t.Error("AppByAID matched a prefix")
	}
	if _, err := ParseApp("kenkaku"); err == nil {
		t.Error("ParseApp(kenkaku): no error")
	}
	if App(0).AID() != nil || App(0).String() != "App(0)" {
		t.Error("App(0) misbehaves")
	}
}

func TestFileID(t *testing.T) {
	if SurfaceFace.String() != "0002" || JPKISignPasswordRef.String() != "001B" {
		t.Errorf("String: %s %s", SurfaceFace, JPKISignPasswordRef)
	}
	for _, s := range []string{"0002", "001b", "001B", "FFFF"} {
		if _, err := ParseFileID(s); err != nil {
			t.Errorf("ParseFileID(%q): %v", s, err)
		}
	}
	for _, s := range []string{"2", "00002", "00G2", "+002", ""} {
		if _, err := ParseFileID(s); err == nil {
			t.Errorf("ParseFileID(%q): no error", s)
		}
	}
}

func TestSFI(t *testing.T) {
	cases := []struct {
		fid          FileID
		ok           bool
		sfi, rb, kr  byte
		rr           byte
		rbSFI, krSFI FileID
	}{
		{SurfaceFace, true, 0x02, 0x82, 0x82, 0x14, SurfaceFace, SurfaceFace},
		{SurfaceCheckCodeBRef, true, 0x12, 0x92, 0x92, 0x94, 0x12, 0x12},
		{JPKIAuthKey, true, 0x17, 0x97, 0x97, 0xBC, 0x17, 0x17},
		{CommonCardInfo, true, 0x01, 0x81, 0x81, 0x0C, 0x01, 0x01},
		{0x001E, true, 0x1E, 0x9E, 0x9E, 0xF4, 0x1E, 0x1E},
		{0x001F, false, 0, 0, 0, 0, 0, 0},
		{0x0000, false, 0, 0, 0, 0, 0, 0},
		{0x0102, false, 0, 0, 0, 0, 0, 0},
	}
	for _, tc := range cases {
		sfi, ok := tc.fid.SFI()
		if ok != tc.ok || (ok && sfi != tc.sfi) {
			t.Errorf("%v.SFI() = %02X, %v", tc.fid, sfi, ok)
		}
		if !ok {
			continue
		}
		if p1, _ := tc.fid.ReadBinaryP1(); p1 != tc.rb {
			t.Errorf("%v.ReadBinaryP1() = %02X, want %02X", tc.fid, p1, tc.rb)
		}
		if p2, _ := tc.fid.KeyRefP2(); p2 != tc.kr {
			t.Errorf("%v.KeyRefP2() = %02X, want %02X", tc.fid, p2, tc.kr)
		}
		if p2, _ := tc.fid.ReadRecordP2(); p2 != tc.rr {
			t.Errorf("%v.ReadRecordP2() = %02X, want %02X", tc.fid, p2, tc.rr)
		}
		if f, ok := SFIFromReadBinaryP1(tc.rb); !ok || f != tc.fid {
			t.Errorf("SFIFromReadBinaryP1(%02X) = %v, %v", tc.rb, f, ok)
		}
		if f, ok := SFIFromKeyRefP2(tc.kr); !ok || f != tc.fid {
			t.Errorf("SFIFromKeyRefP2(%02X) = %v, %v", tc.kr, f, ok)
		}
		if f, ok := SFIFromReadRecordP2(tc.rr); !ok || f != tc.fid {
			t.Errorf("SFIFromReadRecordP2(%02X) = %v, %v", tc.rr, f, ok)
		}
		if f, ok := FileIDForSFI(tc.sfi); !ok || f != tc.fid {
			t.Errorf("FileIDForSFI(%02X) = %v, %v", tc.sfi, f, ok)
		}
	}
	// Not SFI forms: an offset high byte, the current EF, P2=00, SFI 0 or 31.
	for _, p1 := range []byte{0x00, 0x01, 0x7F, 0x80, 0x9F, 0xA2, 0xC2} {
		if _, ok := SFIFromReadBinaryP1(p1); ok {
			t.Errorf("SFIFromReadBinaryP1(%02X): ok", p1)
		}
	}
	for _, p2 := range []byte{0x00, 0x80, 0x9F, 0x01, 0xA2} {
		if _, ok := SFIFromKeyRefP2(p2); ok {
			t.Errorf("SFIFromKeyRefP2(%02X): ok", p2)
		}
	}
	for _, p2 := range []byte{0x04, 0x0D, 0xFC, 0x08} {
		if _, ok := SFIFromReadRecordP2(p2); ok {
			t.Errorf("SFIFromReadRecordP2(%02X): ok", p2)
		}
	}
}

// TestAccessMap checks every EF of every application against CARD.md §9 "Access map" and the
// §2 tables: for each EF, exactly which single key reference of its application opens it.
func TestAccessMap(t *testing.T) {
	free, never := []FileID{}, []FileID(nil)
	want := map[App]map[FileID][]FileID{
		CardSurfaceAP: {
			SurfaceAgeRecord:       {SurfaceBirthDateKeyRef},
			SurfaceFace:            {SurfaceCheckCodeBRef, SurfaceCheckCodeARef},
			SurfaceBasicInfo:       free,
			SurfaceCVCert:          free,
			SurfaceNumberImage:     {SurfaceCheckCodeARef},
			SurfaceUnknown06:       {SurfaceCheckCodeBRef, SurfaceCheckCodeARef},
			SurfaceBirthDateKeyRef: never,
			SurfaceCheckCodeBRef:   never,
			SurfaceCheckCodeARef:   never,
			SurfaceSigningKey:      free,
		},
		TextAP: {
			TextIndividualNumber: {TextPINRef, TextCheckCodeARef},
			TextBasicFour:        {TextPINRef, TextCheckCodeBRef},
			TextIntegrity:        {TextPINRef, TextCheckCodeARef, TextCheckCodeBRef},
			TextCVCert:           free,
			TextBasicInfo:        free,
			TextSessionKey:       {TextPINRef, TextCheckCodeARef, TextCheckCodeBRef},
			TextCardKeyRecord:    {TextPINRef, TextCheckCodeARef, TextCheckCodeBRef},
			TextUnknown08:        free,
			TextPINRef:           never,
			TextBlockedRef:       never,
			TextSigningKey:       free,
			TextCheckCodeARef:    never,
			TextCheckCodeBRef:    never,
		},
		JPKIAP: {
			JPKISignCert:        {JPKISignPasswordRef},
			JPKISignCACert:      free,
			JPKITokenInfo:       free,
			JPKICertPresence:    free,
			JPKIUnknown09:       never,
			JPKIAuthCert:        free,
			JPKIAuthCACert:      free,
			JPKITerminalCAKey:   never,
			JPKIAuthKey:         {JPKIAuthPINRef},
			JPKIAuthPINRef:      never,
			JPKISignKey:         {JPKISignPasswordRef},
			JPKISignPasswordRef: never,
		},
		CommonAP: {
			CommonCardInfo: free,
			CommonKeyID:    free,
			CommonIAKey:    free,
			CommonPINRef:   never,
		},
		JukiAP: {
			JukiKeyID:  free,
			JukiPINRef: never,
		},
		GPISD: {},
	}
	for _, app := range Apps() {
		desc, ok := app.Application()
		if !ok {
			t.Fatalf("%v.Application(): not found", app)
		}
		if desc.App != app || !desc.AID.Equal(app.AID()) || desc.Name == "" {
			t.Errorf("%v: descriptor header %+v", app, desc)
		}
		if len(desc.EFs) != len(want[app]) {
			t.Errorf("%v has %d EFs, want %d", app, len(desc.EFs), len(want[app]))
		}
		refs := desc.KeyRefs()
		for _, ef := range desc.EFs {
			openers, listed := want[app][ef.ID]
			if !listed {
				t.Errorf("%v: unexpected EF %v", app, ef.ID)
				continue
			}
			a := ef.Access
			switch {
			case openers == nil:
				if !a.IsNever() || a.Opens(func(FileID) bool { return true }) {
					t.Errorf("%v/%v: access %v, want never", app, ef.ID, a)
				}
			case len(openers) == 0:
				if !a.IsFree() || !a.Opens(nil) || !a.Opens(func(FileID) bool { return false }) {
					t.Errorf("%v/%v: access %v, want free", app, ef.ID, a)
				}
			default:
				if a.Opens(nil) || a.Opens(func(FileID) bool { return false }) {
					t.Errorf("%v/%v opens with nothing verified", app, ef.ID)
				}
				for _, ref := range refs {
					got := a.Opens(func(f FileID) bool { return f == ref.ID })
					if w := slices.Contains(openers, ref.ID); got != w {
						t.Errorf("%v/%v with only %v verified: opens = %v, want %v", app, ef.ID, ref.ID, got, w)
					}
				}
				s := slices.Clone(openers)
				slices.Sort(s)
				if diff := cmp.Diff(s, a.Keys()); diff != "" {
					t.Errorf("%v/%v Keys() (-want +got):\n%s", app, ef.ID, diff)
				}
			}
		}
	}
}

func TestApplicationDescriptors(t *testing.T) {
	cardRoles := CardKeyRoles()
	for _, desc := range Applications() {
		if !slices.IsSortedFunc(desc.EFs, func(a, b EF) int { return int(a.ID) - int(b.ID) }) {
			t.Errorf("%v: EFs not in FID order", desc.App)
		}
		for i, ef := range desc.EFs {
			if i > 0 && desc.EFs[i-1].ID == ef.ID {
				t.Errorf("%v: duplicate EF %v", desc.App, ef.ID)
			}
			if _, ok := ef.ID.SFI(); !ok {
				t.Errorf("%v/%v has no SFI", desc.App, ef.ID)
			}
			if ef.Name == "" || ef.Kind == 0 {
				t.Errorf("%v/%v: missing name or kind", desc.App, ef.ID)
			}
			switch ef.Kind {
			case EFKeyRef:
				if !ef.Access.IsNever() {
					t.Errorf("%v/%v: key reference readable", desc.App, ef.ID)
				}
				if ef.Secret.Valid() == ef.Blocked {
					t.Errorf("%v/%v: Secret %v, Blocked %v", desc.App, ef.ID, ef.Secret, ef.Blocked)
				}
			case EFPrivateKey:
				if !slices.Contains(cardRoles, ef.KeyRole) {
					t.Errorf("%v/%v: key role %q not a per-card role", desc.App, ef.ID, ef.KeyRole)
				}
			default:
				if ef.Secret != 0 || ef.Blocked {
					t.Errorf("%v/%v: Secret on a non key reference", desc.App, ef.ID)
				}
			}
			// Every key reference named by an access condition exists in the same application.
			for _, k := range ef.Access.Keys() {
				if ref, ok := desc.EF(k); !ok || ref.Kind != EFKeyRef {
					t.Errorf("%v/%v: access names %v, not a key reference of the application", desc.App, ef.ID, k)
				}
			}
		}
	}
	// Descriptors are copies.
	d, _ := CardSurfaceAP.Application()
	d.EFs[1].Access.keys[0] = 0x0099
	d.EFs[0].Name = "changed"
	ef, _ := LookupEF(CardSurfaceAP, SurfaceFace)
	if slices.Contains(ef.Access.Keys(), 0x0099) {
		t.Error("Application() aliases the table's access keys")
	}
	if ef, _ := LookupEF(CardSurfaceAP, SurfaceAgeRecord); ef.Name == "changed" {
		t.Error("Application() aliases the table")
	}
	// The secrets of each key reference, as CARD.md §3 lists them.
	for _, tc := range []struct {
		app  App
		id   FileID
		kind SecretKind
	}{
		{JPKIAP, 0x0018, SecretAuthPIN}, {JPKIAP, 0x001B, SecretSignPassword},
		{TextAP, 0x0011, SecretTextPIN}, {TextAP, 0x0014, SecretCheckCodeA}, {TextAP, 0x0015, SecretCheckCodeB},
		{CardSurfaceAP, 0x0011, SecretBirthDateKey}, {CardSurfaceAP, 0x0012, SecretCheckCodeB}, {CardSurfaceAP, 0x0013, SecretCheckCodeA},
		{CommonAP, 0x001C, SecretJukiPIN}, {JukiAP, 0x001C, SecretJukiPIN},
	} {
		ef, ok := LookupEF(tc.app, tc.id)
		if !ok || ef.Kind != EFKeyRef || ef.Secret != tc.kind {
			t.Errorf("%v/%v: %+v", tc.app, tc.id, ef)
		}
	}
	if _, ok := LookupEF(CardSurfaceAP, 0x0099); ok {
		t.Error("LookupEF found a missing EF")
	}
	if _, ok := LookupEF(App(0), 0x0001); ok {
		t.Error("LookupEF found an EF in App(0)")
	}
}

func TestAccessValues(t *testing.T) {
	var zero Access
	if !zero.IsNever() || zero.Opens(func(FileID) bool { return true }) || zero.String() != "never" {
		t.Error("zero Access is not never")
	}
	if AccessAnyOf().String() != "never" {
		t.Error("AccessAnyOf() is not never")
	}
	a := AccessAnyOf(0x0013, 0x0012, 0x0013)
	if a.String() != "any of {0012, 0013}" {
		t.Errorf("String = %q", a)
	}
	if !a.Equal(AccessAnyOf(0x0012, 0x0013)) || a.Equal(AccessFree()) || AccessFree().String() != "free" {
		t.Error("Equal or free misbehaves")
	}
	k := a.Keys()
	k[0] = 0x0099
	if a.Keys()[0] != 0x0012 {
		t.Error("Keys aliases")
	}
}

func TestEFRef(t *testing.T) {
	r, err := ParseEFRef("surface/0002")
	if err != nil || r != (EFRef{CardSurfaceAP, SurfaceFace}) || r.String() != "surface/0002" {
		t.Errorf("ParseEFRef = %v, %v", r, err)
	}
	for _, s := range []string{"surface", "surface/2", "kenkaku/0002", "surface/0099", "/0002", "surface/0002/x"} {
		if _, err := ParseEFRef(s); err == nil {
			t.Errorf("ParseEFRef(%q): no error", s)
		}
	}
	for _, k := range []EFKind{EFTransparent, EFRecord, EFKeyRef, EFPrivateKey, EFPublicKey} {
		if k.String() == "" || k.IsData() != (k == EFTransparent || k == EFRecord) {
			t.Errorf("EFKind %d", k)
		}
	}
}
