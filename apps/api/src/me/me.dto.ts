import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CURRENCY_CODES } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC } from '../common/dto';

export class AgendaDecisionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'delivery-confirmation' }) kind!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ format: 'date-time' }) deadline!: string;
}

export class AgendaRoundDto {
  @ApiProperty({ format: 'uuid' }) roundId!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() projectName!: string;
  @ApiProperty(AMOUNT_DOC) goal!: string;
  @ApiProperty(AMOUNT_DOC) total!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ format: 'date-time' }) deadline!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'Your pledge; "0" when you have none' }) myPledge!: string;
}

export class AgendaOrderWindowDto {
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty() assetName!: string;
  @ApiProperty({ example: '2027-Q1' }) quarter!: string;
  @ApiProperty({ format: 'date-time' }) closesAt!: string;
  @ApiProperty({ description: 'You ordered for this quarter already' }) ordered!: boolean;
}

export class AgendaDto {
  @ApiProperty({ type: [AgendaDecisionDto], description: 'Open decisions you have not answered, delivery confirmations included' }) decisions!: AgendaDecisionDto[];
  @ApiProperty({ type: [AgendaRoundDto], description: 'Open funding rounds' }) rounds!: AgendaRoundDto[];
  @ApiProperty({ type: [AgendaOrderWindowDto], description: 'Open order windows of assets you co-own' }) orderWindows!: AgendaOrderWindowDto[];
}

export class RoundDocumentViewDto {
  @ApiProperty() title!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ example: 'sha256:9f86…' }) contentHash!: string;
}

export class MemberRoundPageDto {
  @ApiProperty({ format: 'uuid' }) roundId!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() projectName!: string;
  @ApiProperty({ type: String, nullable: true }) projectDescription!: string | null;
  @ApiProperty({ example: 'open' }) status!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Why it ended as it did' }) reason!: string | null;
  @ApiProperty(AMOUNT_DOC) goal!: string;
  @ApiProperty(AMOUNT_DOC) total!: string;
  @ApiProperty() backers!: number;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty(AMOUNT_DOC) minPledge!: string;
  @ApiProperty({ format: 'date-time' }) deadline!: string;
  @ApiProperty() closeWhenGoalMet!: boolean;
  @ApiProperty({ type: [RoundDocumentViewDto], description: 'The legal documents of the round' }) documents!: RoundDocumentViewDto[];
  @ApiProperty({ ...AMOUNT_DOC, description: 'Your pledge; "0" when you have none' }) myPledge!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'What your account holds in the round’s currency, besides your pledges' }) available!: string;
}

export class OwnerViewDto {
  @ApiProperty() name!: string;
  @ApiProperty({ example: '30' }) parts!: string;
  @ApiProperty({ example: '30' }) outputParts!: string;
  @ApiProperty({ example: '30 %' }) percent!: string;
  @ApiProperty() isMe!: boolean;
}

export class ProductAmountDto {
  @ApiProperty({ example: 'tomatoes' }) productId!: string;
  @ApiProperty({ example: 'Tomatoes' }) name!: string;
  @ApiProperty({ example: 'crate' }) unit!: string;
  @ApiProperty() quantity!: number;
}

export class QuarterOutputDto {
  @ApiProperty({ example: '2027-Q1' }) quarter!: string;
  @ApiProperty({ enum: ['open', 'planned'] }) status!: string;
  @ApiProperty({ type: [ProductAmountDto], description: 'Planned: what is grown or made (totals); open: nothing yet' }) products!: ProductAmountDto[];
}

export class HoldingDto {
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() identifier!: string;
  @ApiProperty({ example: '100' }) totalParts!: string;
  @ApiProperty({ example: '30' }) myParts!: string;
  @ApiProperty({ example: '30 %' }) myPercent!: string;
  @ApiProperty({ example: '30 %', description: 'Your share of the output' }) myOutputPercent!: string;
  @ApiProperty({ type: [OwnerViewDto] }) owners!: OwnerViewDto[];
  @ApiProperty({ type: Number, nullable: true }) quarterlyCapacity!: number | null;
  @ApiProperty({ type: String, nullable: true }) capacityUnit!: string | null;
  @ApiProperty({ type: QuarterOutputDto, nullable: true, description: 'What it grows or makes this quarter' }) thisQuarter!: QuarterOutputDto | null;
  @ApiProperty({ description: 'It has an output catalogue: owners order what it grows' }) producing!: boolean;
}

export class HoldingsDto {
  @ApiProperty({ type: [HoldingDto] }) assets!: HoldingDto[];
}

export class BalanceDto {
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'In your account, free to pledge' }) available!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'Held by your pledges in rounds not yet paid out, released or refunded' }) held!: string;
}

export class AccountDto {
  @ApiProperty({ type: [BalanceDto] }) balances!: BalanceDto[];
}

export class StatementCsvQuery {
  @ApiPropertyOptional({ ...CURRENCY_DOC, default: 'EUR' })
  @IsOptional()
  @IsIn(CURRENCY_CODES)
  currency?: string;
}

export class CatalogueItemDto {
  @ApiProperty({ example: 'tomatoes' }) id!: string;
  @ApiProperty({ example: 'Tomatoes' }) name!: string;
  @ApiProperty({ example: 'crate' }) unit!: string;
  @ApiProperty({ example: 2, description: 'Capacity one unit takes' }) capacityPerUnit!: number;
  @ApiProperty() leadTimeDays!: number;
  @ApiProperty({ format: 'date-time', description: 'When it is ready in this quarter' }) readyAt!: string;
}

export class OrderLineViewDto {
  @ApiProperty() productId!: string;
  @ApiProperty() quantity!: number;
}

export class MyOrderDto {
  @ApiProperty({ type: [OrderLineViewDto] }) lines!: OrderLineViewDto[];
  @ApiProperty() standing!: boolean;
  @ApiProperty({ format: 'date-time' }) placedAt!: string;
}

export class AllocationLineDto {
  @ApiProperty() productId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() unit!: string;
  @ApiProperty() requested!: number;
  @ApiProperty() granted!: number;
}

export class AllocationDto {
  @ApiProperty({ example: '2027-Q1' }) quarter!: string;
  @ApiProperty() capacity!: number;
  @ApiProperty({ description: 'Your share of the capacity (capacity units)' }) entitlement!: number;
  @ApiProperty({ description: 'What you asked for (capacity units)' }) asked!: number;
  @ApiProperty({ description: 'What you got (capacity units)' }) got!: number;
  @ApiProperty({ description: 'Of what you got, what came from capacity other owners left unused' }) fromOthers!: number;
  @ApiProperty({ description: 'Of your share, what you left for others' }) leftForOthers!: number;
  @ApiProperty({ description: 'Capacity nobody’s order could use' }) spare!: number;
  @ApiProperty({ type: [AllocationLineDto] }) lines!: AllocationLineDto[];
}

export class OrderPageDto {
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty() assetName!: string;
  @ApiProperty({ example: 'Europe/Berlin' }) timeZone!: string;
  @ApiProperty({ example: 'm2' }) capacityUnit!: string;
  @ApiProperty({ description: 'The quarter’s capacity' }) capacity!: number;
  @ApiProperty({ example: '30 %' }) myPercent!: string;
  @ApiProperty({ description: 'Your share of the capacity, in capacity units' }) entitlement!: number;
  @ApiProperty({ type: [CatalogueItemDto] }) catalogue!: CatalogueItemDto[];
  @ApiProperty({ example: '2027-Q1', description: 'The quarter being ordered (or the next one)' }) quarter!: string;
  @ApiProperty({ enum: ['waiting', 'open', 'allocating'], description: 'waiting: the window opens later; open: order now; allocating: closed, the plan is being made' }) status!: string;
  @ApiProperty({ format: 'date-time' }) opensAt!: string;
  @ApiProperty({ format: 'date-time' }) closesAt!: string;
  @ApiProperty({ format: 'date-time' }) startsAt!: string;
  @ApiProperty({ type: MyOrderDto, nullable: true, description: 'Your order for this quarter' }) myOrder!: MyOrderDto | null;
  @ApiProperty({ type: MyOrderDto, nullable: true, description: 'Your standing order: it applies when you do not order this quarter' }) standingOrder!: MyOrderDto | null;
  @ApiProperty({ type: AllocationDto, nullable: true, description: 'The last quarter allocated: what you asked, what you got, and why' }) lastAllocation!: AllocationDto | null;
}
