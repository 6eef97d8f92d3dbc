package v1alpha1

import (
	"net/textproto"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// hopHeaders are headers a claim may not be forwarded in: they frame the
// request or the connection, and a claim in them would break it.
var hopHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Te": true, "Upgrade": true, "Trailer": true, "Keep-Alive": true, "Proxy-Connection": true,
}

func (v *validator) forwardClaims(fs []ClaimHeader, p *field.Path) {
	headers := map[string]bool{}
	for i, f := range fs {
		fp := p.Index(i)
		if f.Claim == "" {
			v.add(field.Required(fp.Child("claim"), ""))
		}
		hp := fp.Child("header")
		if f.Header == "" {
			v.add(field.Required(hp, ""))
			continue
		}
		v.invalidMessages(hp, f.Header, validation.IsHTTPHeaderName(f.Header))
		canon := textproto.CanonicalMIMEHeaderKey(f.Header)
		switch {
		case hopHeaders[canon]:
			v.add(field.Invalid(hp, f.Header, "must not be a header that frames the request or the connection"))
		case headers[canon]:
			v.add(field.Duplicate(hp, f.Header))
		}
		headers[canon] = true
	}
}
