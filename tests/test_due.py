"""The rules of what is due: the schedule the policy wants, and what is still useful at `now`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from domain_examples import (
    COORDINATOR,
    HELENE,
    IAN,
    JUNE,
    LEAD_EMAILS,
    SEPTEMBER,
    TRACIE,
    lancaster_meetings,
    lancaster_plan,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain.plan.model import Action, Lead, Milestone, Plan
from scheduler.domain.schedule.due import (
    DueResult,
    Recorded,
    due_notifications,
    scheduled_notifications,
)
from scheduler.domain.schedule.notification import MilestoneRef, Notification, NotificationKind
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.recipients import leads_without_email, schedule_problems

LONDON = ZoneInfo("Europe/London")
POLICY = Policy()
Kind = NotificationKind


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def schedule(plan: Plan | None = None, coordinator: str | None = COORDINATOR) -> list[Notification]:
    return list(
        scheduled_notifications(
            plan or lancaster_plan(), lancaster_meetings(), POLICY, coordinator_email=coordinator
        )
    )


def due_at(
    now: datetime,
    recorded: Recorded | None = None,
    plan: Plan | None = None,
    catch_up_days: int = 14,
) -> DueResult:
    return due_notifications(
        plan or lancaster_plan(),
        lancaster_meetings(),
        POLICY,
        recorded or Recorded(),
        now,
        coordinator_email=COORDINATOR,
        overdue_catch_up_days=catch_up_days,
    )


def by_key(notifications: list[Notification]) -> dict[str, Notification]:
    return {n.key: n for n in notifications}


def everything_before(moment: datetime) -> frozenset[str]:
    return frozenset(n.key for n in schedule() if n.send_at < moment)


def utc_times(kind: NotificationKind) -> list[str]:
    moments = {n.send_at.astimezone(UTC) for n in schedule() if n.kind is kind}
    return [moment.strftime("%Y-%m-%d %H:%MZ") for moment in sorted(moments)]


# The schedule of the Lancaster year.


def test_update_requests_go_28_days_before_each_meeting_at_nine_local() -> None:
    assert utc_times(Kind.UPDATE_REQUEST) == [
        "2011-05-24 08:00Z",
        "2011-08-23 08:00Z",
        "2011-11-15 09:00Z",
        "2012-02-21 09:00Z",
    ]


def test_chasers_go_14_and_10_days_before_moving_off_saturdays() -> None:
    assert utc_times(Kind.UPDATE_CHASER) == [
        "2011-06-07 08:00Z",
        "2011-06-10 08:00Z",
        "2011-09-06 08:00Z",
        "2011-09-09 08:00Z",
        "2011-11-29 09:00Z",
        "2011-12-02 09:00Z",
        "2012-03-06 09:00Z",
        "2012-03-09 09:00Z",
    ]


def test_agenda_packs_go_7_days_before_and_addenda_the_working_day_before() -> None:
    assert utc_times(Kind.AGENDA_PACK) == [
        "2011-06-14 08:00Z",
        "2011-09-13 08:00Z",
        "2011-12-06 09:00Z",
        "2012-03-13 09:00Z",
    ]
    assert utc_times(Kind.AGENDA_ADDENDUM) == [
        "2011-06-20 08:00Z",
        "2011-09-19 08:00Z",
        "2011-12-12 09:00Z",
        "2012-03-19 09:00Z",
    ]


def test_deadline_reminders_go_14_days_before_and_on_the_due_date() -> None:
    assert utc_times(Kind.DEADLINE_REMINDER) == [
        "2011-04-15 08:00Z",  # 3.1.1, 14 days before Sat 30 Apr: Sat 16 Apr -> Fri 15 Apr
        "2011-04-28 08:00Z",  # 3.1.1 due Sat 30 Apr; Fri 29 Apr is the royal wedding
        "2011-05-17 08:00Z",  # 3.1.4 Mapping
        "2011-05-31 08:00Z",
        "2011-09-16 08:00Z",  # 3.1.4 MARAC Review
        "2011-09-30 08:00Z",
        "2012-03-16 09:00Z",  # the rest, due Sat 31 March 2012
        "2012-03-30 08:00Z",  # after the clocks went forward on 25 March 2012
    ]


def test_overdue_notices_go_the_next_working_day_after_the_due_date() -> None:
    assert utc_times(Kind.OVERDUE_NOTICE) == [
        "2011-05-03 08:00Z",  # Sun 1 May, Mon 2 May bank holiday -> Tue 3 May
        "2011-06-01 08:00Z",
        "2011-10-03 08:00Z",  # Sat 1 Oct -> Mon 3 Oct
        "2012-04-02 08:00Z",
    ]


def test_every_email_goes_at_nine_local_time_across_the_clock_changes() -> None:
    notifications = schedule()

    assert {n.send_at.astimezone(LONDON).time() for n in notifications} == {time(9, 0)}
    before_autumn = [n for n in notifications if n.send_at < local(2011, 10, 30, 2)]
    winter = [n for n in notifications if local(2011, 10, 30, 2) < n.send_at < local(2012, 3, 25)]
    assert {n.send_at.astimezone(UTC).hour for n in before_autumn} == {8}
    assert {n.send_at.astimezone(UTC).hour for n in winter} == {9}


def test_the_lancaster_year_holds_one_email_per_lead_per_meeting_and_per_send_day() -> None:
    counts = {kind: 0 for kind in Kind}
    for n in schedule():
        counts[n.kind] += 1

    assert counts == {
        Kind.UPDATE_REQUEST: 4 * 5,
        Kind.UPDATE_CHASER: 4 * 5 * 2,
        Kind.AGENDA_PACK: 4,
        Kind.AGENDA_ADDENDUM: 4,
        Kind.DEADLINE_REMINDER: 8 + 4 * 2,
        Kind.OVERDUE_NOTICE: 4 + 4,
        Kind.ACKNOWLEDGEMENT: 0,
        Kind.SIGN_IN_LINK: 0,  # sent when the coordinator asks, never scheduled
        Kind.COORDINATOR_DIGEST: 0,  # from what was recorded, not from the plan
    }


def test_keys_are_unique_and_say_what_each_email_is_for() -> None:
    keys = [n.key for n in schedule()]

    assert len(keys) == len(set(keys))
    assert {
        f"update_request/2011-06-21/{HELENE}",
        f"update_chaser/2011-06-21/14/{HELENE}",
        f"update_chaser/2011-06-21/10/{HELENE}",
        "agenda_pack/2011-06-21",
        "agenda_addendum/2011-06-21",
        f"deadline_reminder/2011-05-17/{HELENE}",
        f"overdue_notice/2011-06-01/{HELENE}",
    } <= set(keys)


def test_the_schedule_is_in_send_time_order() -> None:
    moments = [n.send_at for n in schedule()]

    assert moments == sorted(moments)


def test_an_update_request_lists_all_the_leads_actions_and_milestones() -> None:
    request = by_key(schedule())[f"update_request/2011-06-21/{HELENE}"]

    assert request.to == (HELENE,)
    assert request.lead_name == "Helene Cooper"
    assert request.meeting == JUNE
    assert request.refs == ("3.1.1", "3.1.2", "3.1.3", "3.1.4")
    assert request.priority_refs == ("3.1",)
    assert MilestoneRef("3.1.4", "MARAC Review", date(2011, 9, 30)) in request.milestones


def test_a_lead_of_two_priorities_gets_one_request_listing_both() -> None:
    plan = lancaster_plan()
    second = replace(
        plan.priorities[1], lead=Lead("Helene Cooper", email="Helene.Cooper@example.org")
    )
    plan = replace(plan, priorities=(plan.priorities[0], second, *plan.priorities[2:]))

    requests = [n for n in schedule(plan) if n.key.startswith("update_request/2011-06-21/")]

    assert len(requests) == 4
    helene = by_key(requests)[f"update_request/2011-06-21/{HELENE}"]
    assert helene.priority_refs == ("3.1", "3.2")
    assert helene.refs[-3:] == ("3.2.1", "3.2.2", "3.2.3")


def test_milestones_reminded_on_one_day_make_one_digest() -> None:
    reminder = by_key(schedule())[f"deadline_reminder/2012-03-16/{IAN}"]

    assert reminder.refs == ("3.5.1", "3.5.2", "3.5.3")
    assert [m.due for m in reminder.milestones] == [date(2012, 3, 31)] * 3
    assert reminder.priority_refs == ("3.5",)


def test_reminders_from_two_offsets_on_one_day_share_a_digest() -> None:
    # 3.1.1 is due 14 days after 3.1.4's Mapping: both reminded on Tue 17 May.
    plan = lancaster_plan()
    actions = list(plan.priorities[0].actions)
    actions[0] = replace(actions[0], milestones=(Milestone("Deadline", date(2011, 5, 17)),))
    plan = replace(
        plan, priorities=(replace(plan.priorities[0], actions=tuple(actions)), *plan.priorities[1:])
    )

    digest = by_key(schedule(plan))[f"deadline_reminder/2011-05-17/{HELENE}"]

    assert [(m.action_ref, m.label) for m in digest.milestones] == [
        ("3.1.1", "Deadline"),
        ("3.1.4", "Mapping"),
    ]


def test_overdue_notices_copy_the_coordinator() -> None:
    notice = by_key(schedule())[f"overdue_notice/2011-05-03/{HELENE}"]

    assert notice.to == (HELENE,)
    assert notice.cc == (COORDINATOR,)


def test_agenda_packs_go_to_the_coordinator() -> None:
    assert by_key(schedule())["agenda_pack/2011-06-21"].to == (COORDINATOR,)


def test_without_a_coordinator_no_packs_go_and_notices_copy_no_one() -> None:
    notifications = schedule(coordinator=None)

    assert not [n for n in notifications if n.kind in (Kind.AGENDA_PACK, Kind.AGENDA_ADDENDUM)]
    assert {n.cc for n in notifications} == {()}
    assert any(
        "coordinator" in p for p in schedule_problems(lancaster_plan(), coordinator_email=None)
    )


def test_a_lead_without_email_is_left_out_and_reported() -> None:
    plan = lancaster_plan()
    no_email = replace(plan.priorities[1], lead=Lead("Tracie O'Gara"))
    plan = replace(plan, priorities=(plan.priorities[0], no_email, *plan.priorities[2:]))

    notifications = schedule(plan)

    assert not [n for n in notifications if TRACIE in n.to]
    assert leads_without_email(plan) == (no_email,)
    problems = schedule_problems(plan, coordinator_email=COORDINATOR)
    assert len(problems) == 1
    assert "3.2" in problems[0] and "Tracie O'Gara" in problems[0]


def test_the_lancaster_plan_has_no_schedule_problems() -> None:
    assert schedule_problems(lancaster_plan(), coordinator_email=COORDINATOR) == ()


def test_send_days_follow_the_policy() -> None:
    policy = Policy(update_request_days_before=21, chaser_days_before=(), send_time=time(8, 30))

    notifications = scheduled_notifications(
        lancaster_plan(), lancaster_meetings(), policy, coordinator_email=COORDINATOR
    )

    request = by_key(list(notifications))[f"update_request/2011-06-21/{HELENE}"]
    assert request.send_at == local(2011, 5, 31, 8, 30)
    assert not [n for n in notifications if n.kind is Kind.UPDATE_CHASER]


# What is due at `now`.


def test_nothing_is_due_a_minute_before_its_send_time() -> None:
    result = due_at(
        local(2011, 5, 24, 8, 59), Recorded(sent_keys=everything_before(local(2011, 5, 24)))
    )

    assert result == DueResult((), ())


def test_update_requests_are_due_at_their_send_time() -> None:
    result = due_at(local(2011, 5, 24), Recorded(sent_keys=everything_before(local(2011, 5, 24))))

    assert [n.key for n in result.due] == [
        f"update_request/2011-06-21/{email}" for email in sorted(LEAD_EMAILS)
    ]
    assert result.skipped == ()


def test_a_recorded_key_is_not_due_again() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 5, 24, 10)))

    assert due_at(local(2011, 5, 24, 10), recorded) == DueResult((), ())


def test_chaser_skips_leads_who_replied() -> None:
    # Given Helene replied for June and everything earlier was sent
    recorded = Recorded(
        sent_keys=everything_before(local(2011, 6, 7)), replied=frozenset({("2011-06-21", HELENE)})
    )

    # When the 14-day chasers fall due
    result = due_at(local(2011, 6, 7), recorded)

    # Then the other four are chased and Helene's chaser is skipped, saying why
    assert [n.to for n in result.due] == [(e,) for e in sorted(LEAD_EMAILS) if e != HELENE]
    assert [(s.notification.key, s.reason) for s in result.skipped] == [
        (f"update_chaser/2011-06-21/14/{HELENE}", "lead replied")
    ]


def test_replies_match_lead_addresses_whatever_their_case() -> None:
    plan = lancaster_plan()
    shouting = replace(
        plan.priorities[0], lead=Lead("Helene Cooper", email="HELENE.Cooper@Example.org")
    )
    plan = replace(plan, priorities=(shouting, *plan.priorities[1:]))
    recorded = Recorded(
        sent_keys=everything_before(local(2011, 6, 7)), replied=frozenset({("2011-06-21", HELENE)})
    )

    result = due_at(local(2011, 6, 7), recorded, plan=plan)

    assert [s.reason for s in result.skipped] == ["lead replied"]
    assert "HELENE.Cooper@Example.org" not in {a for n in result.due for a in n.to}


def test_a_reply_for_another_meeting_does_not_stop_a_chaser() -> None:
    recorded = Recorded(
        sent_keys=everything_before(local(2011, 9, 6)), replied=frozenset({("2011-06-21", HELENE)})
    )

    result = due_at(local(2011, 9, 6), recorded)

    assert f"update_chaser/2011-09-20/14/{HELENE}" in {n.key for n in result.due}


def test_completed_milestones_stop_overdue_notices() -> None:
    recorded = Recorded(
        sent_keys=everything_before(local(2011, 5, 3)),
        completed_milestones=frozenset({("3.1.1", "Deadline")}),
    )

    result = due_at(local(2011, 5, 3), recorded)

    assert result.due == ()
    assert [(s.notification.key, s.reason) for s in result.skipped] == [
        (f"overdue_notice/2011-05-03/{HELENE}", "milestone completed")
    ]


def test_a_completed_milestone_is_dropped_from_a_digest_and_the_rest_still_go() -> None:
    recorded = Recorded(
        sent_keys=everything_before(local(2012, 3, 16)),
        completed_milestones=frozenset({("3.5.2", "Deadline")}),
    )

    result = due_at(local(2012, 3, 16), recorded)

    ian = by_key(list(result.due))[f"deadline_reminder/2012-03-16/{IAN}"]
    assert ian.refs == ("3.5.1", "3.5.3")
    assert [m.action_ref for m in ian.milestones] == ["3.5.1", "3.5.3"]


def test_update_requests_list_only_open_milestones() -> None:
    recorded = Recorded(
        sent_keys=everything_before(local(2011, 8, 23)),
        completed_milestones=frozenset({("3.1.4", "Mapping")}),
    )

    request = by_key(list(due_at(local(2011, 8, 23), recorded).due))[
        f"update_request/2011-09-20/{HELENE}"
    ]

    assert ("3.1.4", "Mapping") not in {(m.action_ref, m.label) for m in request.milestones}
    assert request.refs == ("3.1.1", "3.1.2", "3.1.3", "3.1.4")


def test_catch_up_after_downtime_drops_an_update_request_whose_meeting_passed() -> None:
    # Given the daemon was down from before the June requests until the day after the meeting
    recorded = Recorded(sent_keys=everything_before(local(2011, 5, 20)))

    # When it starts again
    result = due_at(local(2011, 6, 22, 11), recorded)

    # Then the June request, chasers and pack are skipped because the meeting passed
    reasons = {s.notification.key: s.reason for s in result.skipped}
    assert reasons[f"update_request/2011-06-21/{HELENE}"] == "meeting 2011-06-21 has passed"
    assert reasons[f"update_chaser/2011-06-21/10/{IAN}"] == "meeting 2011-06-21 has passed"
    assert reasons["agenda_pack/2011-06-21"] == "meeting 2011-06-21 has passed"
    assert not [n for n in result.due if n.meeting == JUNE]


def test_an_update_request_is_useful_until_the_meeting_starts() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 5, 20)))

    before = due_at(local(2011, 6, 21, 9, 59), recorded)
    after = due_at(local(2011, 6, 21, 10, 0), recorded)

    assert f"update_request/2011-06-21/{HELENE}" in {n.key for n in before.due}
    assert f"update_request/2011-06-21/{HELENE}" in {s.notification.key for s in after.skipped}


def test_catch_up_sends_a_late_update_request_instead_of_its_chasers() -> None:
    # Given the daemon was down over the request and both chasers
    recorded = Recorded(sent_keys=everything_before(local(2011, 5, 20)))

    # When it starts on Monday 13 June
    result = due_at(local(2011, 6, 13, 10), recorded)

    # Then each lead gets the request once, and the chasers are skipped
    assert sorted(n.key for n in result.due if n.kind is Kind.UPDATE_REQUEST) == sorted(
        f"update_request/2011-06-21/{email}" for email in LEAD_EMAILS
    )
    assert not [n for n in result.due if n.kind is Kind.UPDATE_CHASER]
    chasers = [s for s in result.skipped if s.notification.kind is Kind.UPDATE_CHASER]
    assert len(chasers) == 10
    assert {s.reason for s in chasers} == {"superseded by the late update request"}


def test_of_two_missed_chasers_only_the_later_goes() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 6, 1)))

    result = due_at(local(2011, 6, 13, 10), recorded)

    chasers = [n for n in result.due if n.kind is Kind.UPDATE_CHASER]
    assert {n.key.split("/")[2] for n in chasers} == {"10"}
    assert len(chasers) == 5
    assert {s.reason for s in result.skipped} == {"superseded by a later chaser"}


def test_a_chaser_after_its_reply_by_date_is_skipped_saying_so() -> None:
    # Given the daemon was down over both June chasers, whose updates were needed by 13 June
    recorded = Recorded(sent_keys=everything_before(local(2011, 6, 1)))

    # When it starts on 14 June, the day the agenda pack is compiled
    result = due_at(local(2011, 6, 14, 9), recorded)

    # Then no chaser goes, each is skipped naming the reply-by date, and the pack still goes
    assert not [n for n in result.due if n.kind is Kind.UPDATE_CHASER]
    chasers = [s for s in result.skipped if s.notification.kind is Kind.UPDATE_CHASER]
    assert len(chasers) == 10
    assert {s.reason for s in chasers} == {"reply-by date 2011-06-13 has passed"}
    assert "agenda_pack/2011-06-21" in {n.key for n in result.due}


def test_a_chaser_is_useful_until_the_end_of_its_reply_by_date() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 6, 10)))

    on_the_day = due_at(local(2011, 6, 13, 23, 59), recorded)
    next_day = due_at(local(2011, 6, 14, 0, 1), recorded)

    assert len([n for n in on_the_day.due if n.kind is Kind.UPDATE_CHASER]) == 5
    assert {s.reason for s in next_day.skipped} == {"reply-by date 2011-06-13 has passed"}


def test_an_overdue_notice_goes_late_within_the_catch_up_window() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 5, 3)))

    result = due_at(local(2011, 5, 17, 9), recorded)  # 14 days late to the minute

    assert f"overdue_notice/2011-05-03/{HELENE}" in {n.key for n in result.due}


def test_an_overdue_notice_more_than_14_days_late_is_skipped() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 5, 3)))

    result = due_at(local(2011, 5, 17, 10), recorded)

    assert [(s.notification.key, s.reason) for s in result.skipped] == [
        (f"overdue_notice/2011-05-03/{HELENE}", "more than 14 days late")
    ]


def test_the_overdue_catch_up_window_is_a_parameter() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 5, 3)))

    result = due_at(local(2011, 5, 5, 9), recorded, catch_up_days=1)

    assert [s.reason for s in result.skipped] == ["more than 1 day late"]


def test_a_deadline_reminder_is_useful_until_the_end_of_the_due_date() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 5, 31)))

    on_the_day = due_at(local(2011, 5, 31, 23, 59), recorded)
    next_day = due_at(local(2011, 6, 1, 0, 1), recorded)

    assert f"deadline_reminder/2011-05-31/{HELENE}" in {n.key for n in on_the_day.due}
    assert [(s.notification.key, s.reason) for s in next_day.skipped] == [
        (f"deadline_reminder/2011-05-31/{HELENE}", "deadline passed on 2011-05-31")
    ]


def test_a_milestone_missed_in_two_reminders_goes_in_the_later_one_only() -> None:
    # Given the daemon was down over both reminders for 3.1.1 (15 and 28 April)
    recorded = Recorded(sent_keys=everything_before(local(2011, 4, 1)))

    # When it starts on 28 April
    result = due_at(local(2011, 4, 28, 12), recorded)

    # Then 3.1.1 is reminded once, in the 28 April digest
    assert [n.key for n in result.due] == [f"deadline_reminder/2011-04-28/{HELENE}"]
    assert [(s.notification.key, s.reason) for s in result.skipped] == [
        (f"deadline_reminder/2011-04-15/{HELENE}", "superseded by a later reminder")
    ]


def test_an_agenda_addendum_waits_for_a_late_update() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 6, 20)))

    assert due_at(local(2011, 6, 20, 12), recorded) == DueResult((), ())


def test_an_agenda_addendum_goes_when_an_update_arrived_after_the_pack() -> None:
    recorded = Recorded(
        sent_keys=everything_before(local(2011, 6, 20)),
        late_update_meetings=frozenset({"2011-06-21"}),
    )

    result = due_at(local(2011, 6, 20, 15), recorded)

    assert [(n.key, n.to) for n in result.due] == [("agenda_addendum/2011-06-21", (COORDINATOR,))]


def test_an_agenda_addendum_without_late_updates_is_skipped_once_the_meeting_starts() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 6, 20)))

    result = due_at(local(2011, 6, 21, 10), recorded)

    assert [(s.notification.key, s.reason) for s in result.skipped] == [
        ("agenda_addendum/2011-06-21", "meeting 2011-06-21 has passed with no late updates")
    ]


def test_an_agenda_pack_goes_until_the_meeting() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 9, 13)))

    assert [n.key for n in due_at(local(2011, 9, 15), recorded).due] == ["agenda_pack/2011-09-20"]
    assert [s.notification.key for s in due_at(local(2011, 9, 20, 11), recorded).skipped] == [
        "agenda_pack/2011-09-20",
        "agenda_addendum/2011-09-20",
    ]


def test_now_may_be_given_in_any_time_zone() -> None:
    recorded = Recorded(sent_keys=everything_before(local(2011, 5, 24)))

    result = due_at(datetime(2011, 5, 24, 8, 0, tzinfo=UTC), recorded)

    assert len(result.due) == 5


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(datetime(2011, 5, 24, 9, 0))


def test_meetings_and_actions_changed_between_ticks_are_taken_into_account() -> None:
    plan = lancaster_plan()
    extra = Action(
        ref="3.3.3", action="Cycle training", milestones=(Milestone("Deadline", date(2011, 7, 29)),)
    )
    kyran = replace(plan.priorities[2], actions=(*plan.priorities[2].actions, extra))
    plan = replace(plan, priorities=(*plan.priorities[:2], kyran, *plan.priorities[3:]))
    recorded = Recorded(sent_keys=everything_before(local(2011, 7, 1)))

    result = due_at(local(2011, 7, 15), recorded, plan=plan)

    assert [n.refs for n in result.due] == [("3.3.3",)]


# Properties that hold whatever the clock says.

_SCHEDULE_KEYS = sorted(n.key for n in schedule())
_YEAR_START = datetime(2011, 3, 1, tzinfo=UTC)


@settings(max_examples=150, deadline=None)
@given(
    minutes=st.integers(min_value=0, max_value=460 * 24 * 60),
    sent=st.sets(st.sampled_from(_SCHEDULE_KEYS)),
    replied=st.sets(
        st.tuples(
            st.sampled_from([d.isoformat() for d in (JUNE, SEPTEMBER)]),
            st.sampled_from(LEAD_EMAILS),
        )
    ),
    completed=st.sets(
        st.sampled_from([("3.1.1", "Deadline"), ("3.1.4", "Mapping"), ("3.5.2", "Deadline")])
    ),
)
def test_due_never_returns_a_recorded_key_or_one_whose_time_has_not_come(
    minutes: int,
    sent: set[str],
    replied: set[tuple[str, str]],
    completed: set[tuple[str, str]],
) -> None:
    now = _YEAR_START + timedelta(minutes=minutes)
    recorded = Recorded(
        sent_keys=frozenset(sent),
        replied=frozenset(replied),
        completed_milestones=frozenset(completed),
    )

    result = due_at(now, recorded)

    due_keys = [n.key for n in result.due]
    skipped_keys = [s.notification.key for s in result.skipped]
    assert not set(due_keys) & sent
    assert not set(skipped_keys) & sent
    assert all(n.send_at <= now for n in result.due)
    assert len(set(due_keys + skipped_keys)) == len(due_keys) + len(skipped_keys)
    assert all((m.action_ref, m.label) not in completed for n in result.due for m in n.milestones)
