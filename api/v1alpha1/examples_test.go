package v1alpha1

import (
	"os"
	"path/filepath"
	"testing"
)

// examplesDir holds the policy examples of the documentation.
const examplesDir = "../../examples/policies"

// TestExamples validates every policy in examples/policies: each file
// holds only policies, they decode strictly and are valid without warnings.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in %s: %v", examplesDir, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			docs, err := splitDocs(data)
			if err != nil || len(docs) == 0 {
				t.Fatalf("split documents: %d, %v", len(docs), err)
			}
			for i, doc := range docs {
				p, err := decodeStrict(doc)
				if err != nil {
					t.Fatalf("document %d: %v", i+1, err)
				}
				if err := p.Validate(testTrustDomain); err != nil {
					t.Errorf("document %d: %v", i+1, err)
				}
				if w := p.Warnings(testTrustDomain); len(w) > 0 {
					t.Errorf("document %d: warnings %q", i+1, w)
				}
			}
		})
	}
}
