"""Reading plan documents from files: each format (Word, Excel, PDF, CSV, markdown, text) is
turned into the domain's neutral layout of headings, paragraphs and tables, which
`scheduler.domain.plan.document` interprets the same way whatever the format was."""
