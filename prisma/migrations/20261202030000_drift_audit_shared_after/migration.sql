-- AlterTable
ALTER TABLE "trusted_host" ADD COLUMN     "audit_shared_after" BIGINT NOT NULL DEFAULT 0;
