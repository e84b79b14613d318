// Package layout encodes and decodes every data file of the My Number card (CARD.md
// §2 and §5) byte for byte. The emulator builds files from a profile with the Build
// functions; the reader decodes what a card sends with the Parse functions.
//
// # Parsing
//
// Parse functions are strict and bounded: exact outer and inner tags in the card's
// order, fixed sizes where the card has them, offset tables (DF21) checked against
// the actual tag positions (*OffsetError names the wrong entry), values checked for
// their form (digits, PNG/JP2 signatures, the card key form), and nothing but filler
// (FF or 00) after the outer TLV. Any BER length encoding is accepted (the card writes
// 82 hh ll where a shorter form would do). They never panic, quote no personal data
// in errors (*apdu.FormatError names the file, byte offset and tag), and return values
// that own their bytes, so a later change to the input cannot change what was
// verified. Signatures are never checked by Parse: each signed record has a Verify
// method that returns a Coverage saying exactly which objects it authenticated.
//
// # Signatures
//
//   - Card face (券面事項確認AP EF 0002): RSA PKCS#1 v1.5 over the DigestInfo
//     30 71 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 60 ‖ SHA-256(DF22‖DF23‖DF24)
//     ‖ SHA-256(DF25‖DF26) ‖ SHA-256(DF27), each group being the raw TLVs as read. The
//     expiry (DF29) and the security code (DF2A) follow the signature and are NOT
//     covered: CardFace keeps them apart, in CardFace.Unsigned.
//   - Age record (EF 0001), My Number image (EF 0005), text AP signed card key (EF
//     0007) and integrity record (EF 0003): sha256WithRSA (PKCS#1 v1.5) over the raw
//     TLVs before the signature tag.
//   - Integrity record: DF31 = SHA-256 of the whole physical text AP EF 0001 (17
//     bytes), DF32 = SHA-256 of text AP EF 0002 from the DF22 tag to the end of the
//     outer TLV. Integrity.CheckMyNumberFile and CheckBasicFour compare them.
//
// The issuer key that verifies all of these is the subject key of the AP's EF 0004
// certificate (package cvc), itself validated by a named trust anchor.
//
// # Length forms written by Build
//
// Parsers accept every form; builders write these (CARD.md §2, §5):
//
//	card face EF 0002      FF 20 82 hh ll; DF21 12; DF22 08; DF23 01; DF24 82 01 09;
//	                       DF25/DF26/DF27/DF2A minimal (xx < 128, 81 xx < 256, else 82 hh ll);
//	                       DF28 82 01 00; DF29 08
//	age record EF 0001     FF 10 82 02 1E { DF11 08, DF12 82 01 09, DF13 82 01 00 } (547 B)
//	AP info EF 0003        FF 30 82 01 3B { DF31 04, DF32 10, DF33 01, DF34 05, DF35 82 01 10 }
//	number image EF 0005   FF 40 82 hh ll { DF41 minimal, DF42 82 01 09, DF43 82 01 00 }
//	text EF 0001           FF 10 0C <12 digits> FF FF (17 B physical)
//	text EF 0002           FF 20 minimal (1 byte below 128, then 81 xx, 82 hh ll);
//	                       DF21 08; DF22/DF23 minimal; DF24 08; DF25 01
//	text EF 0003           FF 30 82 01 4B { DF31 20, DF32 20, DF33 82 01 00 } (336 B)
//	text EF 0005           FF 40 82 00 9F { DF41 04, DF42 10, DF43 82 00 80 }, ≥ 256 B.
//	                       CARD.md only says "long-form length" for DF43; the one
//	                       observed header, FF 40 82 00 9F (159 bytes), fits only
//	                       DF43 82 00 80 (81 80 would make the body 158).
//	text EF 0006           A1 82 01 09 { 90 03 01 00 01, 91 82 01 00 <modulus> }
//	text EF 0007           FF 50 82 02 13 { DF51 82 01 09, DF52 82 01 00 }
//	card key (everywhere)  90 03 01 00 01 91 82 01 00 <modulus> (package cvc)
//
// Build functions take the physical file size and pad with FF (0: no filler); content
// that does not fit gives ErrTooLarge, invalid values ErrInvalid.
package layout
