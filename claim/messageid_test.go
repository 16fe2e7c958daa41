package claim

import (
	"net/mail"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestDeliveryMessageID(t *testing.T) {
	ann := directory.Account{OrgID: "org1", ID: "acc1"}
	bob := directory.Account{OrgID: "org1", ID: "acc2"}
	id := deliveryMessageID("https://people.acme.example/base", ann, 1, "invitation")
	if again := deliveryMessageID("https://people.acme.example/base", ann, 1, "invitation"); again != id {
		t.Fatalf("a retry gets another Message-ID: %s, %s", id, again)
	}
	for name, other := range map[string]string{
		"another account":    deliveryMessageID("https://people.acme.example", bob, 1, "invitation"),
		"another generation": deliveryMessageID("https://people.acme.example", ann, 2, "invitation"),
		"another message":    deliveryMessageID("https://people.acme.example", ann, 1, "reminder-1"),
	} {
		if other == id {
			t.Errorf("%s shares the Message-ID %s", name, id)
		}
	}
	if _, err := mail.ParseAddress("<" + id + ">"); err != nil {
		t.Errorf("Message-ID %q does not parse: %v", id, err)
	}
	if want := "@people.acme.example"; id[len(id)-len(want):] != want {
		t.Errorf("Message-ID %q is not in the server's domain", id)
	}
	if got := deliveryMessageID("not a url", ann, 1, "invitation"); got[len(got)-len("@latchkey.invalid"):] != "@latchkey.invalid" {
		t.Errorf("without a host: %s", got)
	}
}
