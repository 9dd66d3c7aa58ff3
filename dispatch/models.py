"""Imports every model so the metadata is complete (migrations, mapper configuration)."""

from dispatch.assign.models import (  # noqa: F401
    DispatchAlert,
    JobCode,
    Offer,
    Technician,  # noqa: F401
)
from dispatch.auth.models import ApiKey, DutyShift, Organisation, User  # noqa: F401
from dispatch.auth.security_models import FailedLogin  # noqa: F401
from dispatch.complaints.models import Complaint, StaffWarning  # noqa: F401
from dispatch.geo.models import Customer, Depot  # noqa: F401
from dispatch.heartbeat import WorkerHeartbeat  # noqa: F401
from dispatch.intake.models import CallLog, IdempotentPost, ReportIntake, ScheduledWork  # noqa: F401
from dispatch.kpi import counted  # noqa: F401  (the KPI copies, kept right on every flush)
from dispatch.kpi.models import KpiTarget  # noqa: F401
from dispatch.orders.commit_order import EventClock  # noqa: F401
from dispatch.orders.models import Event, Milestone, ReferenceCounter, WorkOrder  # noqa: F401
from dispatch.parts.evidence import ClaimEvidence  # noqa: F401
from dispatch.parts.models import DocumentLine, Part, PartDocument, StockLocation, StockMove  # noqa: F401
from dispatch.parts.returns_models import (  # noqa: F401
    ExpectedReturn,
    MonthClose,
    ReturnedPart,
    SupplierClaim,
    SupplierClaimLine,
)
from dispatch.plan.models import PlanEntry, PlanPin, PlanState  # noqa: F401
from dispatch.reports.models import ReportLink, ServiceReport, ServiceReportPart, ServiceReportSignature  # noqa: F401
from dispatch.sla.models import DueChange  # noqa: F401
from dispatch.sms.alerts import DeliveryAlert  # noqa: F401
from dispatch.sms.models import InboundMessage, OutboxMessage  # noqa: F401
