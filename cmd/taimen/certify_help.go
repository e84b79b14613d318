package main

// certifyContract is the contract between certify-reader and the reader under test, printed by
// certify-reader -h after its purpose (README's "The contract with the reader under test" says
// the same at length; certify/doc.go is the reference).
const certifyContract = `
The reader under test (--cmd) runs once per scenario, with sh -c, in a sandbox (bubblewrap, as
--uid, loopback-only network, the host's files read-only). It is given:
  {reader}      the PC/SC reader of the scenario card (also $TAIMEN_CERTIFY_READER)
  {out}         an empty scratch directory, searched afterwards like every file it writes
                (also $TAIMEN_CERTIFY_OUT)
  {card_image}  a PNG of the card's front (also $TAIMEN_CERTIFY_CARD_IMAGE)
  TAIMEN_CHECK_CODE_B   the operator's code (a wrong one in wrong-code), in every scenario but
                image-only (nothing but the image) and manual-date (TAIMEN_BIRTH_DATE, Gregorian
                YYYY-MM-DD, TAIMEN_EXPIRY_YEAR and TAIMEN_SECURITY_CODE instead)
  TAIMEN_CERTIFY_SCENARIO the scenario's name; TAIMEN_HISTORY a history file in the sandbox;
                PCSCLITE_CSOCK_NAME the scenario's private pcscd
It may state its result in {out}/result.json, schema taimen.read/v1 ("authentic", "outcome",
"error"), as 'taimen read face --result {out}' writes it. It "rejects" a card (forged data,
unknown CA, clone) when it exits non-zero, or exits 0 having said the card is not authentic:
in result.json, "authentic" false, "outcome" other than "ok" or "error" set; without a usable
result.json, in its output ("not authentic", "forged", "untrusted", "invalid signature", …, or
JSON "authentic": false on stdout). --timeout is the deadline of the whole command in each
scenario (RR-010), not of one APDU. Exit 8 (not certified) means a must-rule of the rule set
failed in some scenario: the summary names each rule and its scenarios, the reports say why.
`
