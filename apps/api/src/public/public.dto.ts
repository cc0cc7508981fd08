import { ApiProperty } from '@nestjs/swagger';

export class PublicOwnerDto {
  @ApiProperty() memberName!: string;
  @ApiProperty({ example: '250000' }) parts!: string;
  @ApiProperty({ example: '1/4' }) fraction!: string;
  @ApiProperty({ example: '300000' }) outputParts!: string;
  @ApiProperty({ example: '3/10' }) outputFraction!: string;
}

export class PublicOwnershipDto {
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() identifier!: string;
  @ApiProperty({ example: '1000000' }) totalParts!: string;
  @ApiProperty({ type: [PublicOwnerDto] }) owners!: PublicOwnerDto[];
}

export class FundingTotalDto {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ example: '1250000', description: 'Minor units held by the project' }) raised!: string;
  @ApiProperty({ description: 'Distinct members who paid into the project' }) contributors!: number;
}

export class PublicFundingDto {
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() phase!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ type: [FundingTotalDto] }) totals!: FundingTotalDto[];
}

export class PublicOutputDto {
  @ApiProperty({ example: 'rnd' }) phase!: string;
  @ApiProperty({ enum: ['design', 'test-report', 'goods', 'upgrade'] }) kind!: string;
  @ApiProperty({ example: 'Seed rack, detail design rev B' }) title!: string;
  @ApiProperty({ example: 'https://designs.example.org/rack/rev-b.zip' }) url!: string;
  @ApiProperty({ nullable: true, type: String, example: 'sha256:9f86…' }) contentHash!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'CERN-OHL-S-2.0', description: 'SPDX identifier of the licence it is published under' }) licence!: string | null;
  @ApiProperty({ format: 'date-time', description: 'When the recipient confirmed it' }) publishedAt!: string;
}

export class PublicOutputsDto {
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [PublicOutputDto] }) outputs!: PublicOutputDto[];
}
