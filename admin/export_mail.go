package admin

import (
	"context"
	"errors"
	"html"
	"net/mail"
	"net/url"
	"strings"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/mailer"
)

// exportReadyArgs tells an export's requester that the file is ready.
// It is enqueued in the transaction that marks the export succeeded, and
// is unique per export, so a retried build never mails twice.
type exportReadyArgs struct {
	OrgID    string `json:"org_id"`
	ExportID string `json:"export_id"`
}

// Kind implements river.JobArgs.
func (exportReadyArgs) Kind() string { return "admin.export_ready" }

// exportReadyWorker sends the export_ready email (the organization's
// template, else the default) with the signed download link and a link
// to the export's page in the admin console. It sends
// nothing for an export that expired meanwhile or an admin since
// disabled (the link would not work).
type exportReadyWorker struct {
	river.WorkerDefaults[exportReadyArgs]
	h *Handler
}

// Work implements river.Worker.
func (w *exportReadyWorker) Work(ctx context.Context, job *river.Job[exportReadyArgs]) error {
	h := w.h
	x, err := h.store.Export(ctx, job.Args.OrgID, job.Args.ExportID)
	if errors.Is(err, directory.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if x.Status != directory.JobSucceeded || !h.now().Before(x.ExpiresAt) {
		return nil
	}
	adm, err := h.store.Admin(ctx, x.OrgID, x.AdminID)
	if err != nil || adm.DisabledAt != nil {
		return err
	}
	msg, err := h.exportReadyMessage(ctx, x, adm)
	if err != nil {
		return err
	}
	return h.postman.Post(ctx, x.OrgID, msg)
}

// exportReadyMessage renders the email. An organization's template that
// no longer renders (templates are checked when saved, so only after an
// upgrade) falls back to the default: the admin still gets the link.
func (h *Handler) exportReadyMessage(ctx context.Context, x directory.Export, adm directory.Admin) (mailer.Message, error) {
	org, err := h.store.Organization(ctx, x.OrgID)
	if err != nil {
		return mailer.Message{}, err
	}
	var own mailer.Template
	custom, err := h.store.MessageTemplate(ctx, x.OrgID, string(mailer.KindExportReady))
	switch {
	case err == nil:
		own = mailer.Template{Subject: custom.Subject, Text: custom.Text, HTML: custom.HTML}
	case !errors.Is(err, directory.ErrNotFound):
		return mailer.Message{}, err
	}
	data := mailer.Data{OrgName: org.Name, Email: adm.Email, Link: h.exportDownloadLink(x), ExpiresAt: x.ExpiresAt}
	msg, err := renderExportReady(own, data)
	if err != nil {
		h.log.WarnContext(ctx, "export_ready: the organization's template does not render; sent the default", "org_id", x.OrgID, "err", err)
		if msg, err = renderExportReady(mailer.Template{}, data); err != nil {
			return mailer.Message{}, err
		}
	}
	msg.To = mail.Address{Address: adm.Email}
	withConsoleLink(&msg, h.baseURL+consoleExportsPath+url.PathEscape(x.ID))
	return msg, nil
}

// consoleExportsPath is where the admin console (package console,
// mounted at /admin) shows one export: its status, progress and a
// download button for a signed-in admin.
const consoleExportsPath = "/admin/exports/"

// withConsoleLink adds a line linking to the export's console page to
// both bodies, after whatever the template wrote (the organization's own
// template too): the signed link downloads without a sign-in, the page
// shows the export to an admin who signs in.
func withConsoleLink(msg *mailer.Message, link string) {
	const line = "Open it in the admin console: "
	if msg.Text != "" {
		msg.Text = strings.TrimRight(msg.Text, "\n") + "\n\n" + line + link + "\n"
	}
	if msg.HTML != "" {
		p := `<p style="font-size:13px;color:#57606a;">` + html.EscapeString(line) + `<a href="` + html.EscapeString(link) + `">` +
			html.EscapeString(link) + "</a></p>\n"
		if i := strings.LastIndex(strings.ToLower(msg.HTML), "</body>"); i >= 0 {
			msg.HTML = msg.HTML[:i] + p + msg.HTML[i:]
		} else {
			msg.HTML += p
		}
	}
}

func renderExportReady(t mailer.Template, data mailer.Data) (mailer.Message, error) {
	compiled, err := mailer.Compile(mailer.KindExportReady, t)
	if err != nil {
		return mailer.Message{}, err
	}
	return compiled.Render(data)
}
