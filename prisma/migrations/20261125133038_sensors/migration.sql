-- CreateTable
CREATE TABLE "sensor" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "ip" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "zone" TEXT NOT NULL DEFAULT 'Default',
    "credential_hash" TEXT NOT NULL,
    "registered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_heard_at" TIMESTAMPTZ(3),
    "clock_offset_ms" INTEGER,
    "counters" JSONB,
    "acked_seq" BIGINT NOT NULL DEFAULT 0,
    "alert_count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "sensor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sensor_event" (
    "sensor_id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "kind" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "severity" TEXT,
    "title" TEXT,
    "payload" JSONB NOT NULL,
    "acknowledged_at" TIMESTAMPTZ(3),
    "acknowledged_by" TEXT,

    CONSTRAINT "sensor_event_pkey" PRIMARY KEY ("sensor_id","seq")
);

-- CreateTable
CREATE TABLE "device" (
    "sensor_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "protocol" TEXT NOT NULL,
    "vendor" TEXT,
    "ip" TEXT,
    "first_seen" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_pkey" PRIMARY KEY ("sensor_id","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "sensor_name_key" ON "sensor"("name");

-- CreateIndex
CREATE INDEX "sensor_event_kind_received_at_idx" ON "sensor_event"("kind", "received_at");

-- AddForeignKey
ALTER TABLE "sensor_event" ADD CONSTRAINT "sensor_event_sensor_id_fkey" FOREIGN KEY ("sensor_id") REFERENCES "sensor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device" ADD CONSTRAINT "device_sensor_id_fkey" FOREIGN KEY ("sensor_id") REFERENCES "sensor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
