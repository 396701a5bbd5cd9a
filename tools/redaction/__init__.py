"""PII redaction: Presidio analyzer + anonymizer over the vendored spaCy model, policy in
`policies/recognizers.yaml`. Import `tools.redaction.presidio_redactor.build_redactor` (this package
imports nothing heavy itself)."""
