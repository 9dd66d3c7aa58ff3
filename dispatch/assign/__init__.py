"""Who gets the job: candidates, offers, timeouts, substitutes; the technician's SMS language."""
