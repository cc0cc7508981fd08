import { ApiProperty } from '@nestjs/swagger';
import { AMOUNT_DOC, CURRENCY_DOC } from '../common/dto';
import { ProductAmountDto, QuarterOutputDto, RoundDocumentViewDto } from '../me/me.dto';
import { PublicOutputDto } from './public.dto';

export class PublicRoundSummaryDto {
  @ApiProperty({ format: 'uuid' }) roundId!: string;
  @ApiProperty({ type: String, nullable: true, example: 'rnd', description: 'The phase whose budget it raises' }) phase!: string | null;
  @ApiProperty({ example: 'open' }) status!: string;
  @ApiProperty(AMOUNT_DOC) goal!: string;
  @ApiProperty(AMOUNT_DOC) total!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty() backers!: number;
  @ApiProperty(AMOUNT_DOC) minPledge!: string;
  @ApiProperty({ format: 'date-time' }) deadline!: string;
  @ApiProperty({ type: [RoundDocumentViewDto] }) documents!: RoundDocumentViewDto[];
}

export class PublicProjectSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ example: 'prototyping' }) phase!: string;
  @ApiProperty({ example: 'active' }) status!: string;
  @ApiProperty({ description: 'Phases behind it (of 4)' }) phasesDone!: number;
  @ApiProperty({ type: PublicRoundSummaryDto, nullable: true, description: 'Its open round, else the newest' }) round!: PublicRoundSummaryDto | null;
}

export class PublicProjectPageDto {
  @ApiProperty({ type: [PublicProjectSummaryDto] }) items!: PublicProjectSummaryDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class PhaseSpanDto {
  @ApiProperty({ example: 'rnd' }) phase!: string;
  @ApiProperty({ enum: ['done', 'skipped', 'current', 'ahead'] }) state!: string;
  @ApiProperty({ type: String, nullable: true, example: 'working', description: 'The state of the phase’s work, if it ran' }) work!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) startedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) endedAt!: string | null;
}

export class PublicProjectDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ example: 'prototyping' }) phase!: string;
  @ApiProperty({ example: 'active' }) status!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: [PhaseSpanDto] }) phases!: PhaseSpanDto[];
  @ApiProperty({ type: [PublicRoundSummaryDto] }) rounds!: PublicRoundSummaryDto[];
  @ApiProperty({ type: [PublicOutputDto] }) outputs!: PublicOutputDto[];
}

export class PublicAssetOwnerDto {
  @ApiProperty() memberName!: string;
  @ApiProperty({ example: '30' }) parts!: string;
  @ApiProperty({ example: '30 %' }) percent!: string;
  @ApiProperty({ example: '30 %' }) outputPercent!: string;
}

export class PublicCatalogueItemDto {
  @ApiProperty() name!: string;
  @ApiProperty() unit!: string;
  @ApiProperty() capacityPerUnit!: number;
  @ApiProperty() leadTimeDays!: number;
}

export class PublicAssetDto {
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() identifier!: string;
  @ApiProperty({ example: '100' }) totalParts!: string;
  @ApiProperty({ type: [PublicAssetOwnerDto] }) owners!: PublicAssetOwnerDto[];
  @ApiProperty({ type: Number, nullable: true }) quarterlyCapacity!: number | null;
  @ApiProperty({ type: String, nullable: true }) capacityUnit!: string | null;
  @ApiProperty() timeZone!: string;
  @ApiProperty({ type: [PublicCatalogueItemDto] }) catalogue!: PublicCatalogueItemDto[];
  @ApiProperty({ type: QuarterOutputDto, nullable: true, description: 'What it grows or makes in its latest quarter' }) thisQuarter!: QuarterOutputDto | null;
}

export class PublicAssetSummaryDto {
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() owners!: number;
  @ApiProperty() producing!: boolean;
}

export class PublicAssetPageDto {
  @ApiProperty({ type: [PublicAssetSummaryDto] }) items!: PublicAssetSummaryDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export { ProductAmountDto };
