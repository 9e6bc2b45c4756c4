-- AlterTable
ALTER TABLE "appliance" ADD COLUMN     "switchover_requested_at" TIMESTAMPTZ(3);
