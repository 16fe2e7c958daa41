package sso

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	saml2 "github.com/russellhaering/gosaml2"

	"github.com/latchkeyhq/latchkey/directory"
)

// IdPMetadata is what Latchkey needs from an IdP's metadata.
type IdPMetadata struct {
	EntityID string
	// SSOURL is the HTTP-Redirect SingleSignOnService.
	SSOURL string
	// Certificates are the signing certificates (KeyDescriptor use
	// "signing" or unspecified), PEM, without duplicates.
	Certificates []string
}

const metadataNS = "urn:oasis:names:tc:SAML:2.0:metadata"

type mdEntities struct {
	Entities []mdEntity   `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
	Nested   []mdEntities `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntitiesDescriptor"`
}

type mdEntity struct {
	EntityID string     `xml:"entityID,attr"`
	IdPs     []mdIDPSSO `xml:"urn:oasis:names:tc:SAML:2.0:metadata IDPSSODescriptor"`
}

type mdIDPSSO struct {
	Protocols string       `xml:"protocolSupportEnumeration,attr"`
	Keys      []mdKey      `xml:"urn:oasis:names:tc:SAML:2.0:metadata KeyDescriptor"`
	SSO       []mdEndpoint `xml:"urn:oasis:names:tc:SAML:2.0:metadata SingleSignOnService"`
}

type mdKey struct {
	Use     string `xml:"use,attr"`
	KeyInfo struct {
		X509Data []struct {
			Certificates []string `xml:"http://www.w3.org/2000/09/xmldsig# X509Certificate"`
		} `xml:"http://www.w3.org/2000/09/xmldsig# X509Data"`
	} `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo"`
}

type mdEndpoint struct {
	Binding  string `xml:"Binding,attr"`
	Location string `xml:"Location,attr"`
}

// ParseIdPMetadata reads IdP metadata: an EntityDescriptor, or an
// EntitiesDescriptor holding exactly one entity with an IDPSSODescriptor
// for SAML 2.0. Its signature, if any, is not checked: whoever pastes the
// metadata is trusted to have it from the IdP, like typed-in settings.
// Errors are *directory.ValidationError (field metadataXml).
func ParseIdPMetadata(data []byte) (IdPMetadata, error) {
	bad := func(problem string) error { return &directory.ValidationError{Field: "metadataXml", Problem: problem} }
	if len(data) > directory.MaxSAMLMetadataBytes {
		return IdPMetadata{}, bad(fmt.Sprintf("larger than %d bytes", directory.MaxSAMLMetadataBytes))
	}
	if bound := 3*bytes.Count(data, []byte("<")) + 1; bound > maxXMLTokens {
		return IdPMetadata{}, bad("too many XML elements")
	}
	root, err := rootElement(data)
	if err != nil {
		return IdPMetadata{}, bad("is not XML: " + err.Error())
	}
	var idps []mdEntity
	switch {
	case root.Space == metadataNS && root.Local == "EntityDescriptor":
		var e mdEntity
		if err := xml.Unmarshal(data, &e); err != nil {
			return IdPMetadata{}, bad("does not parse: " + err.Error())
		}
		idps = idpEntities([]mdEntity{e}, nil, 0)
	case root.Space == metadataNS && root.Local == "EntitiesDescriptor":
		var es mdEntities
		if err := xml.Unmarshal(data, &es); err != nil {
			return IdPMetadata{}, bad("does not parse: " + err.Error())
		}
		idps = idpEntities(es.Entities, es.Nested, 0)
	default:
		return IdPMetadata{}, bad("the root element must be md:EntityDescriptor or md:EntitiesDescriptor")
	}
	switch len(idps) {
	case 0:
		return IdPMetadata{}, bad("no identity provider (IDPSSODescriptor for SAML 2.0) in it")
	case 1:
	default:
		return IdPMetadata{}, bad(fmt.Sprintf("%d identity providers in it; paste the metadata of one", len(idps)))
	}
	entity := idps[0]
	md := IdPMetadata{EntityID: strings.TrimSpace(entity.EntityID)}
	if md.EntityID == "" {
		return IdPMetadata{}, bad("the EntityDescriptor has no entityID")
	}
	seen := map[string]bool{}
	for _, idp := range entity.IdPs {
		if !supportsSAML2(idp.Protocols) {
			continue
		}
		for _, sso := range idp.SSO {
			if sso.Binding == saml2.BindingHttpRedirect && md.SSOURL == "" {
				md.SSOURL = strings.TrimSpace(sso.Location)
			}
		}
		for _, key := range idp.Keys {
			if key.Use != "" && key.Use != "signing" {
				continue
			}
			for _, x := range key.KeyInfo.X509Data {
				for _, c := range x.Certificates {
					der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c), ""))
					if err != nil {
						return IdPMetadata{}, bad("an X509Certificate is not base64")
					}
					p := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
					if _, err := directory.ParseCertificatePEM(p); err != nil {
						return IdPMetadata{}, bad("an X509Certificate: " + err.Error())
					}
					if !seen[p] {
						seen[p] = true
						md.Certificates = append(md.Certificates, p)
					}
				}
			}
		}
	}
	if md.SSOURL == "" {
		return IdPMetadata{}, bad("the identity provider offers no HTTP-Redirect SingleSignOnService")
	}
	if len(md.Certificates) == 0 {
		return IdPMetadata{}, bad("the identity provider publishes no signing certificate")
	}
	return md, nil
}

// idpEntities returns the entities with a SAML 2.0 IDPSSODescriptor,
// descending into nested EntitiesDescriptors (a few levels).
func idpEntities(entities []mdEntity, nested []mdEntities, depth int) []mdEntity {
	var out []mdEntity
	for _, e := range entities {
		for _, idp := range e.IdPs {
			if supportsSAML2(idp.Protocols) {
				out = append(out, e)
				break
			}
		}
	}
	if depth < 4 {
		for _, n := range nested {
			out = append(out, idpEntities(n.Entities, n.Nested, depth+1)...)
		}
	}
	return out
}

func supportsSAML2(protocols string) bool {
	for _, p := range strings.Fields(protocols) {
		if p == saml2.SAMLProtocolNamespace {
			return true
		}
	}
	return false
}

// rootElement returns the name of the first element, refusing a DOCTYPE.
func rootElement(data []byte) (xml.Name, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return xml.Name{}, errors.New("no element")
		}
		if err != nil {
			return xml.Name{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t.Name, nil
		case xml.Directive:
			return xml.Name{}, errors.New("DOCTYPE and other directives are not allowed")
		}
	}
}
