package main

import "github.com/taimen-dev/taimen/myna"

// person is the printed data of one synthetic card holder that the images
// need. All values are fictional and copied from docs/CONTRACTS.md.
type person struct {
	// id is the profile directory name under vectors/profiles.
	id string
	// name is the name as printed on the card face.
	name string
	// address is the address as printed on the card face.
	address string
	// number is the 12-digit individual number.
	number string
	// securityCode is the 4-digit security code printed on the card.
	securityCode string
	// face selects the look of the synthetic portrait.
	face faceStyle
	// token marks a phone's JPKI-only token (card.form jpki-token-*): keys only, no card-surface
	// images and no card faces.
	token bool
	// cardKeyAlg, when not RSA, adds the card key of that algorithm in cardKeyFile.
	cardKeyAlg myna.SignatureAlgorithm
}

// people lists the synthetic profiles of docs/CONTRACTS.md, in table order: the six of today's
// card, p07 with a driving licence, p08 and p09 the phones' tokens, and p10, the provisional
// next-generation card.
var people = []person{
	{
		id:           "p01-showa",
		name:         "番号　太郎",
		address:      "東京都千代田区試験町一丁目２番３号",
		number:       "123456789018",
		securityCode: "4821",
		face:         faceStyle{hair: hairSidePart, faceWidth: 33, skin: 178, hairTone: 38, clothes: 62, background: 214},
	},
	{
		id:           "p02-long-address",
		name:         "対面　花子",
		address:      "北海道札幌市中央区北一条西二十三丁目四番五十六号　テストレジデンス札幌北一条タワー棟二十四階二千四百五十六号室",
		number:       "987654321093",
		securityCode: "0907",
		face:         faceStyle{hair: hairLong, faceWidth: 34, skin: 188, hairTone: 30, clothes: 96, background: 206},
	},
	{
		id:           "p03-foreign-resident",
		name:         "SMITH JOHN ALEXANDER",
		address:      "大阪府大阪市北区梅田試験三丁目１番１号　サンプルハイツ５０１",
		number:       "202411240012",
		securityCode: "3170",
		face:         faceStyle{hair: hairShort, faceWidth: 35, skin: 196, hairTone: 120, clothes: 50, background: 222, glasses: true},
	},
	{
		id:           "p04-reiwa-boundary",
		name:         "試験　一花",
		address:      "京都府京都市上京区試験通一丁目４番地",
		number:       "314159265352",
		securityCode: "6402",
		face:         faceStyle{hair: hairBob, faceWidth: 33, skin: 192, hairTone: 44, clothes: 150, background: 210, child: true},
	},
	{
		id:           "p05-near-expiry",
		name:         "境界　昭",
		address:      "福岡県福岡市中央区天神試験一丁目８番１号",
		number:       "271828182840",
		securityCode: "1187",
		face:         faceStyle{hair: hairReceding, faceWidth: 34, skin: 170, hairTone: 70, clothes: 74, background: 218},
	},
	{
		id:           "p06-taisho-contactless",
		name:         "大城　ハナ",
		address:      "沖縄県那覇市試験一丁目１番１号",
		number:       "472011925030",
		securityCode: "5309",
		face:         faceStyle{hair: hairBob, faceWidth: 33, skin: 182, hairTone: 168, clothes: 88, background: 212, glasses: true},
	},
	{
		id:           "p07-licence",
		name:         "免許　一郎",
		address:      "東京都世田谷区試験台二丁目５番７号",
		number:       "301508123450",
		securityCode: "2716",
		face:         faceStyle{hair: hairShort, faceWidth: 34, skin: 184, hairTone: 36, clothes: 70, background: 216, glasses: true},
	},
	{id: "p08-android-token", number: "271828182840", token: true},
	{id: "p09-iphone-token", number: "314159265352", token: true},
	{
		// provisional: AIDs and layout invented, to be replaced by the published specification.
		id:           "p10-nextgen-provisional",
		name:         "次代　未来",
		address:      "東京都千代田区試験町二丁目８番８号",
		number:       "202800000019",
		securityCode: "2028",
		face:         faceStyle{hair: hairShort, faceWidth: 34, skin: 186, hairTone: 52, clothes: 110, background: 216},
		cardKeyAlg:   myna.SigECDSAP384SHA384,
	},
}

// licenceKeys are the issuing prefectures' test keys (role myna.RoleLicenceIssuer), one file
// each under testca, named by public safety commission code: a profile's licence.key.
var licenceKeys = []string{"licence-30.pem"}

// dataSignatureKeys are the set-level key files of a non-RSA data signature algorithm, each
// under testca with the roles myna.DataSignatureRoles (the card-surface CV certificate's test
// CA and issuer key): a profile's generation.data_signature_keys.
var dataSignatureKeys = []struct {
	name string
	alg  myna.SignatureAlgorithm
}{
	{"surface-p384.pem", myna.SigECDSAP384SHA384},
}

// cardKeyFile is the name of a profile's non-RSA card key file (generation.card_key).
const cardKeyFile = "card-key-p384.pem"

// setRoles are the roles of the set-level keys in testca/keys.pem, in file order.
var setRoles = myna.SetKeyRoles()

// cardRoles are the roles of the per-card keys in <id>/keys.pem, in file order.
var cardRoles = myna.CardKeyRoles()

// setDir is the directory (under the output directory) of the set-level keys.
const setDir = "testca"
