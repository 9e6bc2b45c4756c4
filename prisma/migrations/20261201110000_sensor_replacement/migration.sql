-- AlterTable
ALTER TABLE "sensor" ADD COLUMN     "replace_allowed_until" TIMESTAMPTZ(3);
