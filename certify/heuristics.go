package certify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// The heuristics on a reader's output. They are documented in doc.go; they
// look for clear statements only, so a reader that says nothing is judged by
// its exit code alone.

// notAuthenticText matches a statement that the card or its data is not
// authentic (English or Japanese).
var notAuthenticText = regexp.MustCompile(`(?i)not\s+authentic|inauthentic|\bforged\b|forgery|counterfeit|\bclone[d]?\b|` +
	`not\s+genuine|untrusted|not\s+trusted|unknown\s+(ca|issuer|authority|certificat)|invalid\s+(signature|certificate|chain)|` +
	`(signature|certificate|chain|anchor|liveness|chip)\s*(check|verification)?\s*[:=]?\s*(fail|invalid|mismatch|bad\b|ng\b)|` +
	`verification\s+failed|does\s+not\s+verify|did\s+not\s+verify|偽造|不正|真正性.{0,10}(なし|NG|ＮＧ|失敗|確認できません)|検証.{0,6}(失敗|エラー|NG|ＮＧ)`)

// notCardFaceText matches a statement that the card is not a My Number
// Card's face: a JPKI-only token (a phone's My Number Card function) or not a
// My Number Card at all (RR-017).
var notCardFaceText = regexp.MustCompile(`(?i)not\s+a\s+my\s*number\s+card|no\s+my\s*number\s+(application|applet)|` +
	`no\s+card[\s-]*surface\s+(application|applet|ap)\b|card[\s-]*surface\s+(application|applet|ap)\s+(is\s+)?(not\s+found|missing|absent)|` +
	`jpki[\s-]*only|\btoken\b|マイナンバーカードではありません|マイナンバーカードではない|券面事項確認AP.{0,10}(ありません|ない|なし)|スマホ用電子証明書|スマートフォン`)

// claimText matches a claim that something was verified; negationText a
// qualifier that takes the claim back.
var (
	claimText    = regexp.MustCompile(`(?i)\b(verified|authenticated|authentic|signed|genuine|trusted)\b|✓|✔|☑|検証済|署名済|真正`)
	negationText = regexp.MustCompile(`(?i)\b(not|no|never|without|unsigned|unverified|unauthenticated)\b|n't|未|ない|無|⚠|✗|✘`)
	// unsignedLabel matches the names of the two unsigned card-face fields.
	unsignedLabel = regexp.MustCompile(`(?i)expir|valid\s*until|有効期限|security[ _-]?code|セキュリティ\s*コード`)
)

// claimKeys are JSON keys whose true value claims a field was verified.
var claimKeys = map[string]bool{"signed": true, "verified": true, "authentic": true, "authenticated": true, "trusted": true, "valid": true}

// authenticKeys are JSON keys whose false value says the card is not authentic.
var authenticKeys = map[string]bool{"authentic": true, "authenticated": true, "genuine": true}

// saysNotAuthentic reports whether the output states that the card is not
// authentic: a phrase of notAuthenticText, or a JSON value on stdout with
// "authentic" (or "authenticated", "genuine") false at any depth.
func saysNotAuthentic(output, stdout []byte) bool {
	if notAuthenticText.Match(output) {
		return true
	}
	found := false
	for _, doc := range jsonDocs(stdout) {
		walkJSON(doc, func(obj map[string]any) {
			for k, v := range obj {
				if b, ok := v.(bool); ok && !b && authenticKeys[strings.ToLower(k)] {
					found = true
				}
			}
		})
	}
	return found
}

// unsignedPresentedAsVerified looks for the unsigned expiry date or security
// code presented as verified, and says where:
//
//   - in JSON on stdout: an object naming the field (a string value such as
//     "expiry" or "security code", or a key such as "expiry") together with a
//     true "signed", "verified", "authentic", "authenticated", "trusted" or
//     "valid"; or a key such as "expiry_verified" that is true;
//   - in text: a line that shows the expiry date (YYYYMMDD, YYYY-MM-DD,
//     YYYY/MM/DD, YYYY.MM.DD, YYYY年M月D日) or names either field, with a
//     claim (verified, authentic, signed, genuine, trusted, ✓, 検証済…) and
//     no negation (not, un…, ⚠, 未…) on the same line.
func unsignedPresentedAsVerified(stdout, stderr []byte, expiry string) (bool, string) {
	for i, doc := range jsonDocs(stdout) {
		where := ""
		walkJSON(doc, func(obj map[string]any) {
			if where != "" {
				return
			}
			if k, ok := claimsUnsigned(obj, expiry); ok {
				where = fmt.Sprintf("JSON document %d on stdout (key %q)", i+1, k)
			}
		})
		if where != "" {
			return true, where
		}
	}
	forms := expiryForms(expiry)
	for _, s := range []struct {
		name string
		b    []byte
	}{{"stdout", stdout}, {"stderr", stderr}} {
		for n, line := range strings.Split(string(s.b), "\n") {
			if !unsignedLabel.MatchString(line) && !containsAny(line, forms) {
				continue
			}
			if claimText.MatchString(line) && !negationText.MatchString(line) {
				return true, fmt.Sprintf("line %d of %s", n+1, s.name)
			}
		}
	}
	return false, ""
}

// claimsUnsigned reports whether a JSON object presents an unsigned field as
// verified, and the key that makes the claim.
func claimsUnsigned(obj map[string]any, expiry string) (string, bool) {
	names := false
	forms := expiryForms(expiry)
	for k, v := range obj {
		if unsignedLabel.MatchString(k) {
			if b, ok := v.(bool); ok && b && claimText.MatchString(strings.ReplaceAll(k, "_", " ")) {
				return k, true // "expiry_verified": true
			}
			if inner, ok := v.(map[string]any); ok {
				if ck, ok := trueClaim(inner); ok {
					return k + "." + ck, true // "expiry": {"verified": true}
				}
			}
			names = true
		}
		if s, ok := v.(string); ok && (unsignedLabel.MatchString(s) && len(s) < 40 || containsAny(s, forms)) {
			names = true
		}
	}
	if !names {
		return "", false
	}
	return trueClaim(obj)
}

func trueClaim(obj map[string]any) (string, bool) {
	for k, v := range obj {
		if b, ok := v.(bool); ok && b && claimKeys[strings.ToLower(k)] {
			return k, true
		}
	}
	return "", false
}

// expiryForms returns the ways a reader may print a YYYYMMDD date.
func expiryForms(yyyymmdd string) []string {
	if len(yyyymmdd) != 8 {
		return nil
	}
	y, m, d := yyyymmdd[:4], yyyymmdd[4:6], yyyymmdd[6:]
	return []string{yyyymmdd, y + "-" + m + "-" + d, y + "/" + m + "/" + d, y + "." + m + "." + d,
		y + "年" + m + "月" + d + "日", y + "年" + strings.TrimPrefix(m, "0") + "月" + strings.TrimPrefix(d, "0") + "日"}
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// jsonDocs decodes the JSON values on stdout: one document, or one per line
// (JSON Lines); non-JSON output gives none.
func jsonDocs(b []byte) []any {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
		return nil
	}
	var docs []any
	dec := json.NewDecoder(bytes.NewReader(b))
	for len(docs) < 100 {
		var v any
		if err := dec.Decode(&v); err != nil {
			if err != io.EOF {
				return docs
			}
			break
		}
		docs = append(docs, v)
	}
	return docs
}

// walkJSON calls f on every object in v, depth first.
func walkJSON(v any, f func(map[string]any)) {
	switch t := v.(type) {
	case map[string]any:
		f(t)
		for _, x := range t {
			walkJSON(x, f)
		}
	case []any:
		for _, x := range t {
			walkJSON(x, f)
		}
	}
}
