import { ApiProperty } from '@nestjs/swagger';
import type { OutputCreditEntity } from '@app/db';

export class OutputCreditDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The job paid with it' }) jobId!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty({ example: '2027-Q2' }) quarter!: string;
  @ApiProperty({ example: 'tomatoes' }) productId!: string;
  @ApiProperty({ example: 20, description: "Units of the product (the catalogue's unit)" }) units!: number;
  @ApiProperty({ enum: ['promised', 'granted', 'cancelled'], description: 'promised with the job; granted when it is confirmed; cancelled with it' }) status!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The owner of the node that did the job, once granted' }) holderMemberId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(c: OutputCreditEntity): OutputCreditDto {
    return {
      id: c.id,
      jobId: c.jobId,
      assetId: c.assetId,
      quarter: c.quarter,
      productId: c.productId,
      units: c.units,
      status: c.status,
      holderMemberId: c.holderMemberId,
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    };
  }
}

export class OutputCreditPageDto {
  @ApiProperty({ type: [OutputCreditDto] }) items!: OutputCreditDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}
