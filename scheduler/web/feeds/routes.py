"""Calendar subscriptions: the nurse's or patient's page to make or revoke a private link,
and the feed itself, which answers to the link's token alone (no login, no session)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from scheduler.clinical.advice import advice_of
from scheduler.clock import utcnow
from scheduler.notify.ics import feed
from scheduler.operations.feeds import active_feed, entries_etag, feed_entries, feed_owner, issue_feed, revoke_feeds
from scheduler.web.access import allow, public
from scheduler.web.database import get_session
from scheduler.web.feeds.forms import NewFeedForm, RevokeFeedForm
from scheduler.web.helpers import calendar_uid_domain, catalog, public_base_url

bp = Blueprint("feeds", __name__)
# A calendar app may keep the feed this long before asking again (and then with its ETag).
FEED_MAX_AGE_S = 900


def _page(plain: str | None = None, status: int = 200):
    db = get_session()
    url = None
    if plain:
        url = public_base_url() + url_for("feeds.feed_ics", token=plain)
    return render_template("feeds/link.html", feed=active_feed(db, current_user), url=url,
                           webcal=url and "webcal://" + url.split("://", 1)[1], new_form=NewFeedForm(formdata=None),
                           revoke_form=RevokeFeedForm(formdata=None)), status


@bp.route("/account/calendar")
@allow("nurse", "patient")
def link():
    return _page()


@bp.route("/account/calendar", methods=["POST"])
@allow("nurse", "patient")
def new_link():
    if not NewFeedForm().validate():
        flash("The form had expired; please press the button again.")
        return redirect(url_for("feeds.link"))
    db, now = get_session(), utcnow()
    _feed, plain = issue_feed(db, current_user, now=now)
    db.commit()
    # Shown on this answer only: the link is not stored anywhere we could show it again.
    return _page(plain)


@bp.route("/account/calendar/revoke", methods=["POST"])
@allow("nurse", "patient")
def revoke_link():
    if RevokeFeedForm().validate():
        db = get_session()
        revoked = revoke_feeds(db, current_user, now=utcnow())
        db.commit()
        flash("Your calendar link is turned off: calendars using it get nothing more." if revoked
              else "You had no calendar link.")
    return redirect(url_for("feeds.link"))


@bp.route("/feeds/<token>.ics")
@public
def feed_ics(token: str):
    db, now = get_session(), utcnow()
    owner = feed_owner(db, token, now=now)
    if owner is None:
        abort(404)
    name, entries = feed_entries(db, owner, now=now, domain=calendar_uid_domain(),
                                 advice=advice_of(catalog().protocol))
    db.commit()  # the audit rows of this read
    response = Response(feed(entries, name=name, stamp=now), mimetype="text/calendar")
    response.set_etag(entries_etag(name, entries))
    response.cache_control.private = True  # health data: never in a shared cache
    response.cache_control.max_age = FEED_MAX_AGE_S
    response.headers["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return response.make_conditional(request)
