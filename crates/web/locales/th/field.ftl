## The field app (ร่วมใจ ภาคสนาม): home visits recorded without signal, sent when back online

field-title = ร่วมใจ ภาคสนาม
field-intro = บันทึกการเยี่ยมบ้านและค่าที่อ่านจากสถานีเฝ้าระวังได้แม้ไม่มีสัญญาณ ข้อมูลเก็บไว้ในเครื่องนี้และส่งเข้าระบบเองเมื่อกลับมามีสัญญาณ
field-needs-script = หน้านี้ต้องเปิดใช้ JavaScript
field-outbox = รอส่ง
field-outbox-count = จำนวนรายการที่รอส่ง
field-send-now = ส่งตอนนี้
field-cancel = ยกเลิก
field-house = บ้านเลขที่ { $house }
field-age = อายุ { $age } ปี
field-no-home-location = ไม่มีพิกัดบ้าน
field-offline = ไม่มีสัญญาณ — ยังบันทึกได้ตามปกติ
field-online = มีสัญญาณ
field-list-updated = รายชื่อเป็นปัจจุบันแล้ว
field-list-stored = แสดงรายชื่อที่เก็บไว้ในเครื่อง
field-list-failed = โหลดรายชื่อใหม่ไม่ได้ แสดงรายชื่อที่เก็บไว้ในเครื่อง
field-sending = กำลังส่ง { $n } จาก { $total }…
field-sent = ส่งครบแล้ว
field-send-later = ยังส่งไม่ได้ จะลองใหม่เมื่อมีสัญญาณ
field-sign-in-again = กรุณาเข้าสู่ระบบอีกครั้ง รายการที่รอส่งยังอยู่ในเครื่อง
field-saved = บันทึกไว้ในเครื่องแล้ว รอส่ง
field-entry-waiting = รอส่ง
field-entry-rejected = ระบบไม่รับ กรุณาแก้ไขแล้วบันทึกอีกครั้ง
field-entry-not-found = ไม่พบบุคคลนี้ในความรับผิดชอบของคุณ
field-entry-fix = แก้ไข
field-entry-photos = รูปถ่าย { $n } รูป
field-locating = กำลังหาตำแหน่ง…
field-located = บันทึกตำแหน่งแล้ว
field-locate-failed = หาตำแหน่งไม่ได้
field-no-storage = เครื่องนี้เก็บข้อมูลไว้ไม่ได้ (โหมดส่วนตัว?) จึงบันทึกขณะไม่มีสัญญาณไม่ได้
field-server-error = ระบบขัดข้อง จะลองส่งใหม่ภายหลัง
field-entry-discard = ทิ้งรายการนี้
field-entry-discard-confirm = ทิ้งการเยี่ยมนี้โดยไม่ส่งเข้าระบบ?
field-logout-unsent = ยังมี { $n } รายการ (การเยี่ยมหรือค่าที่อ่าน) ที่ยังไม่ได้ส่ง ถ้าออกจากระบบตอนนี้ รายการเหล่านี้จะหายไป ออกจากระบบหรือไม่?

## Correcting a visit sent from this phone (an edit; a conflict goes to the coordinator)
field-sent-recently = ส่งแล้วล่าสุด
field-sent-hint = การเยี่ยมที่ส่งจากเครื่องนี้ภายใน 7 วัน แก้ไขได้แม้ไม่มีสัญญาณ
field-sent-correct = แก้ไข
field-sent-at = ส่งเมื่อ { $time }
field-sent-version = ฉบับที่ { $version }
field-sent-correction-waiting = การแก้ไขรอส่ง
field-sent-conflict = มีผู้อื่นแก้ไขการเยี่ยมนี้ในระหว่างนั้น การแก้ไขของคุณจึงไม่ได้บันทึกทับ แต่เก็บไว้ให้ผู้ประสานงานตรวจสอบ
field-conflict-status = การแก้ไข { $n } รายการรอผู้ประสานงานตรวจสอบ (ดูที่ ส่งแล้วล่าสุด)
field-correct-title = แก้ไขการเยี่ยม
field-entry-correction = การแก้ไข

## Readings of watch stations, entered in the field (sent like the visits)
field-stations = สถานีเฝ้าระวัง
field-stations-hint = สถานีในหมู่บ้านที่คุณรับผิดชอบ บันทึกค่าที่อ่านได้แม้ไม่มีสัญญาณ ระบบจะส่งพร้อมกับการเยี่ยม
field-stations-stored = แสดงรายการสถานีที่เก็บไว้ในเครื่อง
field-stations-failed = โหลดรายการสถานีใหม่ไม่ได้ แสดงรายการที่เก็บไว้ในเครื่อง
field-reading = ค่าที่อ่าน
field-reading-value = ค่าที่อ่านได้ ({ $unit })
field-reading-time = เวลาที่อ่าน
field-reading-save = บันทึกค่า
field-reading-latest = ค่าล่าสุด
field-reading-none = ยังไม่มีการอ่านค่า
field-reading-thresholds = เกณฑ์เตือน
field-reading-not-found = สถานีนี้ไม่อยู่ในความรับผิดชอบของคุณ
field-reading-discard-confirm = ทิ้งค่าที่อ่านนี้โดยไม่ส่งเข้าระบบ?
