"""Call quality review (质检): sampling calls for a team lead's review, the checklist and its score."""
