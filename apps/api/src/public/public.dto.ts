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
