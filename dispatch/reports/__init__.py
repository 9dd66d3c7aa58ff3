"""Service reports (MISSION R11–R12): filled by the technician (SMS, mobile page) or from the
console, signed by the customer after the work (on screen, by SMS confirmation, on paper), rated,
approved by a supervisor and archived as a PDF."""
