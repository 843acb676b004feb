"""What the API answers: one marshmallow schema per resource (the OpenAPI document is built from them)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.reads import (INSTANCE_STANDINGS, INSTANCE_STATES, SLA_STANDINGS, TASK_STANDINGS, TASK_STATES,
                          VALUE_KINDS)

Str, Int, Bool, Float, Raw = fields.String, fields.Integer, fields.Boolean, fields.Float, fields.Raw
DateTime, Dict, List, Nested = fields.DateTime, fields.Dict, fields.List, fields.Nested


def optional(field: fields.Field) -> fields.Field:
    """A field that is always present in answers, `null` when unknown."""
    field.allow_none = True
    field.required = True
    return field


def present(field: fields.Field) -> fields.Field:
    field.required = True
    return field


class ErrorSchema(Schema):
    code = present(Int(metadata={"description": "the HTTP status"}))
    message = present(Str())
    details = Dict(keys=Str(), values=Str(), metadata={"description": "what is wrong, by field ('' for the whole)"})


class TaskSchema(Schema):
    id = present(Str())
    instance_id = present(Int())
    element_id = present(Str())
    name = present(Str())
    lane = optional(Str())
    candidate_group = optional(Str())
    assignee = optional(Str())
    state = present(Str(validate=validate.OneOf(TASK_STATES)))
    created_at = present(DateTime())
    due_at = optional(DateTime())
    due_provisional = present(Bool(metadata={
        "description": "the due time counts a year whose official holiday schedule is not loaded yet (only its "
                       "statutory holidays and weekends): it moves when the schedule is loaded"}))
    completed_at = optional(DateTime())
    completed_by = optional(Str())


class InboxTaskSchema(TaskSchema):
    process_id = present(Str())
    business_key = optional(Str())
    attributes = present(Dict(metadata={"description": "the case fields the process reports (customer, channel, ...)"}))
    standing = optional(Str(validate=validate.OneOf(TASK_STANDINGS)))
    seconds_left = optional(Int())


class ChoicesSchema(Schema):
    may_claim = present(Bool())
    may_unclaim = present(Bool())
    may_complete = present(Bool())
    leads = present(Bool(metadata={"description": "a team lead of the task's group: may reassign it"}))


class ShownValueSchema(Schema):
    name = present(Str())
    label = present(Str(metadata={"description": "the field's title in its form"}))
    kind = present(Str(validate=validate.OneOf(VALUE_KINDS)))
    value = present(Raw(allow_none=True, metadata={"description": "as recorded (`***` when masked)"}))
    text = present(Str(metadata={"description": "the value worded in the caller's language"}))
    items = present(List(Str(), metadata={"description": "a list's values as they read"}))


class CardSectionSchema(Schema):
    element_id = optional(Str(metadata={"description": "the task that recorded it; null: recorded at the start"}))
    title = present(Str())
    by = optional(Str())
    by_name = optional(Str())
    at = present(DateTime())
    fields = present(List(Nested(ShownValueSchema)))


class DeadlineSchema(Schema):
    policy_id = present(Str())
    name = present(Str())
    ends = present(Str(metadata={"description": "the element whose completion meets it, or `process`"}))
    ends_name = optional(Str())
    due_at = present(DateTime())
    provisional = present(Bool())
    standing = present(Str(validate=validate.OneOf(SLA_STANDINGS)))
    seconds_left = present(Int())


class HolderSchema(Schema):
    task_id = present(Str())
    task_name = present(Str())
    element_id = present(Str())
    assignee = optional(Str())
    assignee_name = optional(Str())
    group = optional(Str())
    group_name = optional(Str())
    due_at = optional(DateTime())
    due_provisional = present(Bool())


class CaseCardSchema(Schema):
    instance_id = present(Int())
    business_key = optional(Str())
    process_id = present(Str())
    process_name = present(Str())
    version = present(Int())
    state = present(Str(validate=validate.OneOf(INSTANCE_STATES)))
    started_by = present(Str())
    started_by_name = optional(Str())
    started_at = present(DateTime())
    ended_at = optional(DateTime())
    sections = present(List(Nested(CardSectionSchema), metadata={
        "description": "what was recorded, oldest first: each task's fields its form puts on the card"}))
    deadlines = present(List(Nested(DeadlineSchema), metadata={"description": "the case's open SLAs"}))
    holders = present(List(Nested(HolderSchema), metadata={"description": "the open tasks and who holds them"}))


class HistoryLineSchema(Schema):
    at = present(DateTime())
    message = present(Str(metadata={"description": "the sentence's message id, e.g. `task.completed`"}))
    params = present(Dict(metadata={"description": "the named values the sentence shows"}))
    actor = optional(Str(metadata={"description": "the login of who acted; null when the system did"}))
    text = present(Str(metadata={"description": "the sentence in the caller's language"}))
    changes = present(List(Nested(ShownValueSchema), metadata={"description": "what the step recorded"}))


class TaskDetailSchema(InboxTaskSchema):
    form = optional(Dict(metadata={"description": "the JSON Schema the completion data must satisfy"}))
    instructions = optional(Str(metadata={"description": "the task's instructions in the diagram"}))
    choices = present(Nested(ChoicesSchema))
    card = present(Nested(CaseCardSchema))
    timeline = present(List(Nested(HistoryLineSchema), metadata={
        "description": "the case's history as sentences, oldest first"}))


class InstanceSchema(Schema):
    id = present(Int())
    process_id = present(Str())
    version = present(Int())
    business_key = optional(Str())
    state = present(Str(validate=validate.OneOf(INSTANCE_STATES)))
    started_by = present(Str())
    started_at = present(DateTime())
    ended_at = optional(DateTime())
    error_task = optional(Str())
    error_message = optional(Str())
    attributes = present(Dict())
    open_tasks = present(List(Nested(TaskSchema)))


class StartedSchema(InstanceSchema):
    reminded = Bool(metadata={"description": "true when nothing was started: the customer's open complaint was "
                                             "reminded instead (its answer is that case)"})


class ListedInstanceSchema(InstanceSchema):
    sla = present(Str(validate=validate.OneOf(INSTANCE_STANDINGS),
                      metadata={"description": "the worst standing of the instance's open SLAs"}))


class AuditSchema(Schema):
    id = present(Int())
    at = present(DateTime())
    actor = present(Str())
    event = present(Str())
    task_id = optional(Str())
    element_id = optional(Str())
    details = present(Dict())


class SlaSchema(Schema):
    id = present(Int())
    instance_id = present(Int())
    policy_id = present(Str())
    name = present(Str())
    task_id = optional(Str())
    department = optional(Str())
    started_at = present(DateTime())
    due_at = present(DateTime())
    provisional = present(Bool(metadata={
        "description": "the due time counts a year whose official holiday schedule is not loaded yet (only its "
                       "statutory holidays and weekends): it moves when the schedule is loaded"}))
    standing = present(Str(validate=validate.OneOf(SLA_STANDINGS)))
    seconds_left = present(Int())


class InstanceDetailSchema(InstanceSchema):
    data = present(Dict(metadata={"description": "the instance's current data"}))
    history = present(List(Nested(AuditSchema), metadata={"description": "the audit entries, oldest first"}))
    slas = present(List(Nested(SlaSchema)))
    card = present(Nested(CaseCardSchema))
    timeline = present(List(Nested(HistoryLineSchema), metadata={
        "description": "the case's history as sentences, oldest first"}))


class CompletedSchema(Schema):
    instance = present(Nested(InstanceSchema))
    next_task = optional(Nested(TaskSchema, metadata={"description": "the case's next task for the same person"}))
    taken_next = optional(Nested(TaskSchema, metadata={
        "description": "with `take_next` and no next task in the case: the task claimed for me from my groups"}))


class ClaimedNextSchema(Schema):
    task = optional(Nested(TaskSchema, metadata={"description": "the task now claimed by me; null when none waits"}))


class UserTaskSchema(Schema):
    id = present(Str())
    name = optional(Str())
    lane = optional(Str())
    form = optional(Str(metadata={"description": "the file of its form's JSON Schema"}))
    instructions = optional(Str())


class DefinitionSchema(Schema):
    id = present(Int())
    process_id = present(Str())
    version = present(Int())
    name = present(Str())
    deployed_at = present(DateTime())
    user_tasks = present(List(Nested(UserTaskSchema)))


class AdviceSchema(Schema):
    file = present(Str())
    line = Int(allow_none=True)
    element_id = Str(allow_none=True)
    element_name = Str(allow_none=True)
    code = Str(allow_none=True, metadata={"description": "e.g. lint.label-required: the modeler's rule"})
    message = present(Str())
    params = Dict()


class DeployedSchema(Schema):
    process_id = present(Str())
    version = present(Int())
    definition_id = present(Int())
    changed = present(Bool(metadata={"description": "false: identical to the newest version, nothing deployed"}))
    warnings = present(List(Nested(AdviceSchema), metadata={
        "description": "drawing advice from the modeler's lint, deployed anyway (what is refused answers 422)"}))


class DeploymentSchema(Schema):
    processes = present(List(Nested(DeployedSchema)))


class TokenSchema(Schema):
    id = present(Int())
    name = present(Str())
    prefix = present(Str(metadata={"description": "the token's first characters, to recognise it"}))
    status = present(Str(validate=validate.OneOf(("active", "expired", "revoked"))))
    created_at = present(DateTime())
    expires_at = present(DateTime())
    revoked_at = optional(DateTime())
    last_used_at = optional(DateTime())


class NewTokenSchema(TokenSchema):
    token = present(Str(metadata={"description": "the secret: shown this once, never again"}))


class MeSchema(Schema):
    login = present(Str())
    name = present(Str())
    roles = present(List(Str()))
    groups = present(List(Str()))
    email = optional(Str())
    locale = present(Str())
    authenticated_by = present(Str(validate=validate.OneOf(("token", "session"))))


class DepartmentMonthSchema(Schema):
    department = present(Str())
    month = present(Str())
    ended = present(Int())
    on_time = present(Int())
    on_time_rate = present(Float())
    average_hours = present(Float())
    over_limit = present(Bool())


class VendorScoreSchema(Schema):
    department = present(Str())
    month = present(Str())
    work_orders = present(Int())
    late = present(Int(metadata={"description": "work orders whose reply deadline was missed"}))
    average_hours = optional(Float(metadata={"description": "dispatch to final reply; null without work orders"}))
    late_deduction = present(Int())
    slow_deduction = present(Int())
    score = present(Int(metadata={"description": "the branch's full score less both deductions (R-MSR-02)"}))
    section_lost = present(Bool())


class CountSchema(Schema):
    name = present(Str())
    count = present(Int())


class HotTopicsSchema(Schema):
    received = present(Int())
    by_category = present(List(Nested(CountSchema)))
    by_channel = present(List(Nested(CountSchema)))
    repeat_rate = present(Float())
    answered = present(Int())
    on_time_rate = optional(Float())


class DashboardSchema(Schema):
    month = present(Str())
    instances_by_state = present(Dict(keys=Str(), values=Int()))
    open_breaches = present(Int())
    provisional_deadlines = present(Int(metadata={"description": "open SLAs whose due time is provisional"}))
    calendar_years_not_loaded = present(List(Int(), metadata={
        "description": "years near now, or reached by an open deadline, whose official holiday schedule is not "
                       "loaded (`sqflow calendar load`)"}))
    hours_limit = present(Float())
    departments = present(List(Nested(DepartmentMonthSchema)))
    vendor_scores = present(List(Nested(VendorScoreSchema)))
    assessed_on = present(fields.Date(metadata={"description": "the day the month is assessed (R-MSR-02)"}))
    assessment_final = present(Bool(metadata={"description": "whether that day has come (else provisional)"}))
    hot_topics = present(Nested(HotTopicsSchema))


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """The envelope of one page of a list: the items, how many there are in all, and the next page's link."""
    return Schema.from_dict({
        "items": present(List(Nested(item))), "total": present(Int()), "page": present(Int()),
        "per_page": present(Int()), "next": optional(Str(metadata={"description": "the next page, if any"})),
    }, name=name)


InboxPageSchema = page_of(InboxTaskSchema, "InboxPage")
InstancePageSchema = page_of(ListedInstanceSchema, "InstancePage")
DefinitionPageSchema = page_of(DefinitionSchema, "DefinitionPage")
SlaPageSchema = page_of(SlaSchema, "SlaPage")
TokenPageSchema = page_of(TokenSchema, "TokenPage")
