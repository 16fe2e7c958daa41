package mailer

import (
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Stage is the step of a delivery that failed.
type Stage string

// Delivery stages, in order.
const (
	// StageMessage: the message was refused before any connection, for
	// example an invalid recipient address. Nothing was sent.
	StageMessage Stage = "message"
	// StageConnect covers TCP, the greeting, EHLO and TLS.
	StageConnect  Stage = "connect"
	StageAuth     Stage = "auth"
	StageMailFrom Stage = "MAIL FROM"
	StageRcptTo   Stage = "RCPT TO"
	// StageData covers the DATA command, the content and the server's
	// reply after it.
	StageData Stage = "DATA"
)

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("mailer: closed")

// Error is a failed delivery. Permanent says retrying the same message
// cannot succeed; every other failure is temporary.
type Error struct {
	Stage Stage
	// Code is the SMTP reply code, 0 when there was no reply (connection
	// refused, TLS failure, timeout, cancelled context).
	Code int
	// EnhancedCode is the RFC 3463 status ("5.1.1") when the server sent
	// one.
	EnhancedCode string
	Permanent    bool
	Err          error
}

func (e *Error) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("mailer: %s failed (%s): %v", e.Stage, kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err says the message itself can never be
// delivered, so the job queue records it on the account instead of
// retrying. That is a 5xx reply to RCPT TO or to the message content
// (unknown mailbox, message refused) or a message we refuse to send.
//
// Everything else is temporary: connection refused, timeouts, TLS
// failures, 4xx replies, a cancelled context, and also 5xx replies while
// connecting, authenticating or to MAIL FROM, and "authentication
// required" (530, 5.7.0) at any stage. Those concern our relay
// configuration, not the recipient: every message would fail the same
// way, and marking each account undeliverable for a wrong password would
// be wrong; after the operator fixes the configuration, the retried jobs
// go through.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

func isPermanent(stage Stage, code int, enhanced string) bool {
	if stage == StageMessage {
		return true
	}
	if stage != StageRcptTo && stage != StageData {
		return false
	}
	if code < 500 || code > 599 || code == 530 || strings.HasPrefix(enhanced, "5.7.0") {
		return false
	}
	return true
}

var enhancedCode = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}\b`)

// newError classifies a failure at stage. go-mail's SendError carries the
// stage and reply code of a transaction failure; connection-time errors
// are plain textproto or network errors.
func newError(stage Stage, err error) *Error {
	e := &Error{Stage: stage, Err: err}
	var se *gomail.SendError
	var te *textproto.Error
	switch {
	case errors.As(err, &se):
		e.Stage = sendStage(se.Reason, stage)
		e.Code = se.ErrorCode()
		e.EnhancedCode = se.EnhancedStatusCode()
	case errors.As(err, &te):
		e.Code = te.Code
		e.EnhancedCode = enhancedCode.FindString(te.Msg)
	}
	e.Permanent = isPermanent(e.Stage, e.Code, e.EnhancedCode)
	return e
}

func sendStage(r gomail.SendErrReason, fallback Stage) Stage {
	switch r {
	case gomail.ErrSMTPMailFrom:
		return StageMailFrom
	case gomail.ErrSMTPRcptTo:
		return StageRcptTo
	case gomail.ErrSMTPData, gomail.ErrWriteContent, gomail.ErrSMTPDataClose:
		return StageData
	case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
		return StageMessage
	}
	return fallback
}

// invalid is a message we refuse before connecting: permanent.
func invalid(format string, args ...any) *Error {
	return &Error{Stage: StageMessage, Permanent: true, Err: fmt.Errorf(format, args...)}
}
