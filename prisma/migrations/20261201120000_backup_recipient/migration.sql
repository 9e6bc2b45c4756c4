-- AlterTable
ALTER TABLE "backup" ADD COLUMN     "recipient" TEXT;
