"""Site-level declarations: pure generators from a policy and a site's settings, and the merge
of our managed block into files the creator already has."""
