// Package password hashes and checks passwords (argon2id, PHC strings, so
// parameters can be raised later) and decides whether a new password is
// acceptable: length rules only (at least 8 code points, up to 256), no
// composition rules, and a blocklist of common passwords plus the words
// of the person and the organization (security.md PW-1 to PW-4).
package password

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"golang.org/x/text/unicode/norm"
)

// Lengths in Unicode code points, counted after NFKC normalisation.
const (
	MinLength = 8
	MaxLength = 256
)

// Params are the OWASP floor for argon2id: t=2, m=19 MiB, p=1, a 16-byte
// salt and a 32-byte key.
var Params = argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// normalize is what gets hashed: NFKC, so the same password typed on
// another keyboard or platform matches.
func normalize(pw string) string { return norm.NFKC.String(pw) }

// Hash returns the PHC string of pw ($argon2id$v=19$m=19456,t=2,p=1$...).
func Hash(pw string) (string, error) {
	h, err := argon2id.CreateHash(normalize(pw), &Params)
	if err != nil {
		return "", fmt.Errorf("password: hash: %w", err)
	}
	return h, nil
}

// Verify reports whether pw matches the PHC string, and whether the hash
// should be recomputed because it was made with weaker parameters than
// Params (rehash on the next successful sign-in).
func Verify(pw, phc string) (ok, rehash bool, err error) {
	match, params, err := argon2id.CheckHash(normalize(pw), phc)
	if err != nil {
		return false, false, fmt.Errorf("password: verify: %w", err)
	}
	if !match {
		return false, false, nil
	}
	weaker := params.Memory < Params.Memory || params.Iterations < Params.Iterations || params.KeyLength < Params.KeyLength
	return true, weaker, nil
}

// Problem is why a new password is refused, in words for the person.
type Problem struct{ Reason string }

func (p *Problem) Error() string { return p.Reason }

// ErrRefused is what every Problem matches with errors.Is.
var ErrRefused = errors.New("password: refused")

// Is lets errors.Is(err, ErrRefused) match a Problem.
func (p *Problem) Is(target error) bool { return target == ErrRefused }

//go:embed common.txt
var commonList string

// common holds the 10,000 most common passwords of at least 8 characters,
// lower-cased: the first such entries of the "passwords" frequency list
// of github.com/trustelem/zxcvbn v1.0.1 (MIT licence; the list itself
// comes from zxcvbn's leaked-password corpora), one per line.
var common = func() map[string]bool {
	set := make(map[string]bool, 10000)
	sc := bufio.NewScanner(strings.NewReader(commonList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			set[strings.ToLower(w)] = true
		}
	}
	return set
}()

// Check decides whether pw may be set. context are the words of the
// person and the organization (username, email, names, org name and
// slug); a password that is one of them, or one of them with digits and
// symbols around it ("Acme2025!"), is refused.
func Check(pw string, context ...string) error {
	n := utf8.RuneCountInString(normalize(pw))
	switch {
	case n < MinLength:
		return &Problem{fmt.Sprintf("Use at least %d characters (this one has %d). A few unrelated words make a long password that is easy to remember.", MinLength, n)}
	case n > MaxLength:
		return &Problem{fmt.Sprintf("Use at most %d characters.", MaxLength)}
	}
	lower := strings.ToLower(normalize(pw))
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if common[lower] || (core != "" && common[core] && utf8.RuneCountInString(core) >= 4) || allSame(lower) {
		return &Problem{"This password is one of the most common ones and would be guessed quickly. Choose another."}
	}
	for _, word := range contextWords(context) {
		if lower == word || core == word {
			return &Problem{"Do not use your name, your username or the organization's name as your password."}
		}
	}
	return nil
}

// contextWords splits the context into comparable words: whole values,
// email local parts and domain labels, and their parts, lower-cased,
// of at least 3 letters.
func contextWords(context []string) []string {
	var out []string
	add := func(w string) {
		w = strings.ToLower(strings.TrimSpace(w))
		if utf8.RuneCountInString(w) >= 3 {
			out = append(out, w)
		}
	}
	for _, c := range context {
		add(c)
		for _, part := range strings.FieldsFunc(c, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			add(part)
		}
	}
	return out
}

// allSame reports passwords of one repeated character ("aaaaaaaa").
func allSame(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	for _, r := range s {
		if r != first {
			return false
		}
	}
	return true
}
