// Package cvc is the card-verifiable certificate of EF 0004 in both card-surface
// applications (CARD.md §5.5), the card's RSA public-key form, and the trust anchors
// that certificates are checked against.
//
// The certificate has one fixed shape, 568 bytes:
//
//	7F 21 82 02 33
//	  5F 4E 82 01 29   16 B issuer (証明者) key ID ‖ 16 B subject (被証明者) key ID ‖
//	                   90 03 01 00 01 ‖ 91 82 01 00 <256-byte modulus>
//	  5F 37 82 01 00   RSA-2048 PKCS#1 v1.5 SHA-256 signature over the 297-byte 5F4E value
//
// Parse is strict: every tag, length encoding and size must be exactly that, and
// only filler (FF or 00) may follow. The public-key form (tags 90 and 91, e = 65537,
// a 2048-bit modulus) is shared with the data files of package layout.
//
// Trust: the production J-LIS CA keys (5000023 for 券面事項確認AP, 5000033 for
// 券面事項入力補助AP) are embedded. A certificate is checked by an AnchorSet, which
// picks the anchor named by the certificate's issuer key ID and says which anchor
// validated it. Emulated cards are signed by test CAs (key IDs starting "9") and can
// never validate under a production anchor: a production anchor accepts only
// signatures made by the J-LIS key itself.
package cvc
