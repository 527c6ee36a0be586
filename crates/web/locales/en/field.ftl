## The field app (ร่วมใจ ภาคสนาม): home visits recorded without signal, sent when back online

field-title = Ruamjai in the field
field-intro = Record home visits and watch-station readings even without signal: they are kept on this phone and sent by themselves when the signal is back.
field-needs-script = This page needs JavaScript.
field-outbox = Waiting to send
field-outbox-count = Entries waiting to send
field-send-now = Send now
field-cancel = Cancel
field-house = House { $house }
field-age = { $age } years old
field-no-home-location = No home location
field-offline = No signal: you can still record visits
field-online = Online
field-list-updated = The list is up to date
field-list-stored = Showing the list kept on this phone
field-list-failed = Could not load a new list; showing the one kept on this phone
field-sending = Sending { $n } of { $total }…
field-sent = Everything is sent
field-send-later = Not sent yet; will try again when there is signal
field-sign-in-again = Please sign in again; the entries waiting to send stay on this phone.
field-saved = Saved on this phone, waiting to send
field-entry-waiting = Waiting to send
field-entry-rejected = Not accepted: please fix it and save again
field-entry-not-found = This person is not within your responsibility
field-entry-fix = Fix
field-entry-photos = { $n } photos
field-locating = Finding the location…
field-located = Location recorded
field-locate-failed = Could not find the location
field-no-storage = This phone cannot keep data here (private mode?), so visits cannot be recorded offline.
field-server-error = The server had a problem; will try again later
field-entry-discard = Discard this entry
field-entry-discard-confirm = Discard this visit without sending it?
field-logout-unsent = { $n } entries (visits or readings) have not been sent yet. Signing out now deletes them from this phone. Sign out anyway?

## Correcting a visit sent from this phone (an edit; a conflict goes to the coordinator)
field-sent-recently = Sent recently
field-sent-hint = Visits sent from this phone in the last 7 days; you can correct them even without signal.
field-sent-correct = Correct
field-sent-at = Sent { $time }
field-sent-version = Version { $version }
field-sent-correction-waiting = Correction waiting to send
field-sent-conflict = Someone else changed this visit in the meantime, so your correction was not written over it: it was kept for the coordinator to review.
field-conflict-status = { $n } corrections wait for the coordinator's review (see Sent recently).
field-correct-title = Correct the visit
field-entry-correction = Correction

## Readings of watch stations, entered in the field (sent like the visits)
field-stations = Watch stations
field-stations-hint = The stations of the villages you look after: record their readings even without signal; they are sent with the visits.
field-stations-stored = Showing the stations kept on this phone
field-stations-failed = Could not load the stations; showing those kept on this phone
field-reading = Reading
field-reading-value = Reading ({ $unit })
field-reading-time = Time of reading
field-reading-save = Save the reading
field-reading-latest = Latest
field-reading-none = No reading yet
field-reading-thresholds = Thresholds
field-reading-not-found = This station is not within your responsibility
field-reading-discard-confirm = Discard this reading without sending it?
