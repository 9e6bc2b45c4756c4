-- AlterTable
ALTER TABLE "audit_event" ADD COLUMN     "origin" UUID,
ADD COLUMN     "origin_id" BIGINT;

-- AlterTable
ALTER TABLE "sensor" ADD COLUMN     "replicated_seq" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "trusted_host" ADD COLUMN     "applied_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_contact_at" TIMESTAMPTZ(3),
ADD COLUMN     "peer_applied_seq" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "peer_port" INTEGER NOT NULL DEFAULT 9443,
ADD COLUMN     "snapshot_at" TIMESTAMPTZ(3),
ADD COLUMN     "snapshot_rows" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "snapshot_seq" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "snapshot_state" TEXT NOT NULL DEFAULT 'none',
ADD COLUMN     "snapshot_total" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "replication_origin" (
    "origin" UUID NOT NULL,
    "applied_seq" BIGINT NOT NULL,
    "snapshot_id" TEXT,
    "snapshot_parts" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "replication_origin_pkey" PRIMARY KEY ("origin")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_event_origin_origin_id_key" ON "audit_event"("origin", "origin_id");
