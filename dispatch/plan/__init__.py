"""The planner: an ordered plan of unstarted jobs for every technician of an organisation."""
